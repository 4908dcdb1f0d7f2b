/** Revert a recorded change exactly, as a new change made of the inverse edits (as notebook/revert.py). */
import { applyChangeSet } from './apply.js';
import { CellState, ChangeSet, Edit, newChangeId, nowTime } from './changeset.js';
import { CellView, NotebookDoc } from './doc.js';
import { ApplyError, ChangeNotFound, RevertConflict } from './errors.js';
import { checkRevertable } from './presence.js';
import { Section, readSection } from './section.js';

/** The panel's spelling (only the panel reverts in the browser): how to go over later edits. */
const forceHint = (id: string): string =>
  `To revert anyway, type /revert ${id} --force (your edits to those cells will be lost).`;

/** Options of a revert. */
export interface RevertOptions {
  /** revert even over cells edited since the change (their edits are lost) */
  force?: boolean;
  /** who reverts: "human" from the panel */
  role?: string;
  /** the revert's own id and time (default: new id, now) */
  id?: string;
  time?: string;
}

/** Undo a recorded change in `doc`; returns the revert, itself a recorded change. */
export function revertChange(doc: NotebookDoc, idOrPrefix: string, options: RevertOptions = {}): ChangeSet {
  const inverse = planRevert(doc.cells(), doc.section(), idOrPrefix, options);
  return applyChangeSet(doc, inverse);
}

/** The recorded change whose id is `idOrPrefix` or starts with it; ChangeNotFound otherwise. */
export function findChange(section: Section, idOrPrefix: string): ChangeSet {
  const records = section.changes;
  const query = (idOrPrefix ?? '').trim();
  const recent = records
    .slice(-5)
    .reverse()
    .map(record => record.id)
    .join(', ');
  const known = recent
    ? `Recent changes, newest first: ${recent} (see \`log\`).`
    : 'This notebook has no recorded changes yet.';
  if (!query) {
    throw new ChangeNotFound('Give a change id, or a unique prefix of one.', known);
  }
  const exact = records.filter(record => record.id === query);
  const matches = exact.length
    ? exact
    : records.filter(record => record.id.toLowerCase().startsWith(query.toLowerCase()));
  if (matches.length === 0) {
    throw new ChangeNotFound(`This notebook has no change '${query}'.`, known);
  }
  if (matches.length > 1) {
    const ids = matches.slice(0, 6).map(record => record.id).join(', ');
    throw new ChangeNotFound(
      `'${query}' is ambiguous: it starts ${matches.length} change ids (${ids}).`,
      'Give more characters of the id.'
    );
  }
  return matches[0];
}

/**
 * The revert ChangeSet of a change, computed but not applied: inverse edits in reverse order
 * (insert -> delete; replace -> replace back; delete -> insert after the recorded anchor, or at
 * the recorded position when the anchor is gone). With `force`, a cell that is gone is skipped
 * and a deleted cell whose id exists again gets its old type and source back. An undone change
 * (its cells as before it: undo) and a revert without edits are refused (`checkRevertable`),
 * forced or not: no revert ever records that it wrote nothing.
 */
export function planRevert(
  cells: CellView[],
  rawSection: unknown,
  idOrPrefix: string,
  options: RevertOptions = {}
): ChangeSet {
  const section = readSection(rawSection);
  const change = findChange(section, idOrPrefix);
  if (change.status === 'reverted') {
    const by = section.changes.filter(record => record.reverts === change.id).map(r => r.id);
    const last = by[by.length - 1];
    throw new ApplyError(
      `Change ${change.id} was already reverted` + (last ? ` by change ${last}; nothing to do.` : '; nothing to do.'),
      last ? `To bring it back, revert ${last}.` : null
    );
  }
  if (change.status !== 'applied') {
    throw new ApplyError(`Change ${change.id} is ${change.status}, not applied; nothing to revert.`);
  }
  checkRevertable(change, cells); // undone: nothing to revert, and no conflict to force
  const byId = new Map(cells.map(cell => [cell.id, cell]));
  const found = conflicts(change, byId);
  if (found.length && !options.force) {
    throw new RevertConflict(
      `Cannot revert change ${change.id}: ${found.length} cell(s) changed since it: ` +
        found.map(([, description]) => description).join(', ') +
        '.',
      forceHint(change.id),
      found.map(([cellId]) => cellId)
    );
  }
  const order = cells.map(cell => cell.id);
  const state = new Map<string, CellState>(
    cells.map(cell => [cell.id, { cell_type: cell.cell_type, source: cell.source }])
  );
  const head = section.changes.length ? section.changes[section.changes.length - 1].id : null;
  let prompt = `revert ${change.id}`;
  const firstLine = change.prompt.trim().split(/\r?\n/)[0];
  if (change.prompt.trim()) {
    prompt += `: ${firstLine}`;
  }
  const edits = inverse(change, order, state);
  checkRevertable(change, cells, edits.length);
  return {
    id: options.id ?? newChangeId(),
    parent: head,
    time: options.time ?? nowTime(),
    role: options.role ?? 'human',
    model: null,
    provider: null,
    command: 'revert',
    prompt,
    plan_id: change.plan_id,
    edits,
    usage: {},
    status: 'applied',
    reverts: change.id
  };
}

/** [cell id, description] of each touched cell that is no longer as the change left it. */
function conflicts(change: ChangeSet, cells: Map<string, CellView>): [string, string][] {
  const expected = new Map<string, CellState | null>();
  for (const edit of change.edits) {
    expected.set(edit.cell_id, edit.op === 'delete' ? null : edit.after);
  }
  const found: [string, string][] = [];
  for (const [cellId, state] of expected) {
    const cell = cells.get(cellId);
    if (state === null) {
      if (cell !== undefined) {
        found.push([cellId, `${cellId} (created again: ${head(cell.source)})`]);
      }
    } else if (cell === undefined) {
      found.push([cellId, `${cellId} (deleted)`]);
    } else if (cell.cell_type !== state.cell_type || cell.source !== state.source) {
      found.push([cellId, `${cellId} (${head(cell.source)})`]);
    }
  }
  return found;
}

function inverse(change: ChangeSet, order: string[], state: Map<string, CellState>): Edit[] {
  const edits: Edit[] = [];
  for (const edit of [...change.edits].reverse()) {
    const current = state.get(edit.cell_id);
    if (edit.op === 'insert') {
      if (current === undefined) {
        continue;
      }
      edits.push({ op: 'delete', cell_id: edit.cell_id, anchor: null, before: current, after: null });
      order.splice(order.indexOf(edit.cell_id), 1);
      state.delete(edit.cell_id);
    } else if (edit.op === 'replace' && edit.before) {
      if (current === undefined) {
        continue;
      }
      const restored = { cell_type: edit.before.cell_type, source: edit.before.source };
      edits.push({ op: 'replace', cell_id: edit.cell_id, before: current, after: restored });
      state.set(edit.cell_id, restored);
    } else if (edit.op === 'delete' && edit.before) {
      const restored = { cell_type: edit.before.cell_type, source: edit.before.source };
      if (current !== undefined) {
        edits.push({ op: 'replace', cell_id: edit.cell_id, before: current, after: restored });
        state.set(edit.cell_id, restored);
        continue;
      }
      const anchor = anchorFor(edit, order);
      const after: CellState = { ...restored };
      if (edit.before.metadata && Object.keys(edit.before.metadata).length) {
        after.metadata = JSON.parse(JSON.stringify(edit.before.metadata));
      }
      edits.push({ op: 'insert', cell_id: edit.cell_id, anchor, before: null, after });
      order.splice(anchor !== null ? order.indexOf(anchor) + 1 : 0, 0, edit.cell_id);
      state.set(edit.cell_id, restored);
    }
  }
  return edits;
}

/** Where a deleted cell goes back: after its anchor, else at its recorded position. */
function anchorFor(edit: Edit, order: string[]): string | null {
  const anchor = edit.anchor ?? null;
  if (anchor === null || order.includes(anchor)) {
    return anchor;
  }
  if (edit.position === undefined || edit.position === null) {
    return order.length ? order[order.length - 1] : null;
  }
  const position = Math.min(edit.position, order.length);
  return position > 0 ? order[position - 1] : null;
}

function head(source: string, limit = 40): string {
  const line = (source.trim().split(/\r?\n/)[0] ?? '').trim();
  if (!line) {
    return 'empty';
  }
  return `'${line.length <= limit ? line : line.slice(0, limit - 3) + '...'}'`;
}
