/**
 * The diff preview of a ChangeSet before it is written: a model's proposal (Insert/Discard) or a
 * revert (Revert/Cancel). What it shows is exactly what would be written, line by line.
 */
import { ChangeSet, Edit } from '../applier/index.js';

/** One line of a diff: kept (' '), removed ('-') or added ('+'). */
export interface DiffLine {
  kind: ' ' | '-' | '+';
  text: string;
}

/** Above this many line pairs the diff is shown as all removed, then all added. */
const MAX_PAIRS = 250_000;

/** A line diff of two texts (longest common subsequence). */
export function lineDiff(before: string, after: string): DiffLine[] {
  const a = before === '' ? [] : before.split('\n');
  const b = after === '' ? [] : after.split('\n');
  if (a.length * b.length > MAX_PAIRS) {
    return [...a.map(text => ({ kind: '-' as const, text })), ...b.map(text => ({ kind: '+' as const, text }))];
  }
  const common: number[][] = Array.from({ length: a.length + 1 }, () => new Array(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      common[i][j] = a[i] === b[j] ? common[i + 1][j + 1] + 1 : Math.max(common[i + 1][j], common[i][j + 1]);
    }
  }
  const lines: DiffLine[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      lines.push({ kind: ' ', text: a[i] });
      i++;
      j++;
    } else if (j < b.length && (i === a.length || common[i][j + 1] >= common[i + 1][j])) {
      lines.push({ kind: '+', text: b[j++] });
    } else {
      lines.push({ kind: '-', text: a[i++] });
    }
  }
  return lines;
}

/**
 * The preview of `changeset`; `currentSource` gives a cell's source now (for `before: null`);
 * `label` names it for assistive technology.
 */
export function renderPreview(
  changeset: ChangeSet,
  currentSource: (cellId: string) => string | null,
  label = 'Proposed change'
): HTMLElement {
  const root = document.createElement('div');
  root.className = 'jp-llmdev-preview';
  root.setAttribute('aria-label', label);
  for (const edit of changeset.edits) {
    root.appendChild(renderEdit(edit, currentSource));
  }
  return root;
}

function renderEdit(edit: Edit, currentSource: (cellId: string) => string | null): HTMLElement {
  const block = document.createElement('div');
  block.className = `jp-llmdev-edit jp-llmdev-edit-${edit.op}`;
  const title = document.createElement('div');
  title.className = 'jp-llmdev-edit-title';
  const before = edit.before?.source ?? (edit.op === 'insert' ? '' : (currentSource(edit.cell_id) ?? ''));
  const after = edit.after?.source ?? '';
  const type = edit.after?.cell_type ?? edit.before?.cell_type ?? 'code';
  title.textContent =
    edit.op === 'insert'
      ? `New ${type} cell`
      : edit.op === 'replace'
        ? `Replace cell ${edit.cell_id} (${type})`
        : `Delete cell ${edit.cell_id}`;
  block.appendChild(title);
  const pre = document.createElement('pre');
  pre.className = 'jp-llmdev-diff';
  for (const line of lineDiff(before, edit.op === 'delete' ? '' : after)) {
    const row = document.createElement('span');
    row.className = line.kind === '+' ? 'jp-llmdev-add' : line.kind === '-' ? 'jp-llmdev-del' : 'jp-llmdev-same';
    row.textContent = `${line.kind} ${line.text}\n`;
    pre.appendChild(row);
  }
  block.appendChild(pre);
  const metadata = edit.after?.metadata ? Object.keys(edit.after.metadata) : [];
  if (metadata.length) {
    // a deleted cell comes back with its own metadata (tags, ...): say so, it is not in the diff
    const note = document.createElement('div');
    note.className = 'jp-llmdev-edit-metadata';
    note.textContent = `Cell metadata comes back too: ${metadata.sort().join(', ')}`;
    block.appendChild(note);
  }
  return block;
}
