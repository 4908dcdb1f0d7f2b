/**
 * The History section: the notebook's recorded changes, newest first, each with "Revert", and
 * the confirmation a revert needs: the diff of exactly what it will write, then Revert / Cancel.
 * A history comes with the notebook (it may be crafted), so a revert never writes code the user
 * has not been shown.
 */
import type { ISharedNotebook } from '@jupyter/ydoc';

import {
  CellView,
  ChangeSet,
  LLMDevError,
  Presence,
  RevertConflict,
  SharedNotebookDoc,
  applyChangeSet,
  planRevert,
  presenceOf,
  readSection
} from '../applier/index.js';
import { button } from './dom.js';
import { renderPreview } from './diff.js';
import { tokenCounts } from './tokens.js';

/** Called when the user clicks "Revert" (or "Revert anyway") on a change: show what it writes. */
export type RevertHandler = (change: ChangeSet, force: boolean) => void;

/** How the panel shows a revert's outcome. */
export interface RevertHost {
  /** the confirmation is shown just before this element (the History list) */
  readonly anchor: HTMLElement;
  /** a line in the transcript */
  note(text: string): void;
  /** show `error`; `retry` (for a conflict) reverts anyway, after showing that diff too */
  fail(error: unknown, retry: (() => void) | null): void;
}

/**
 * The revert waiting for confirmation (at most one): `show` plans it and shows its diff; only
 * the confirmation's Revert writes it, exactly as shown (the applier checks every `before`, so
 * a cell edited in the meantime stops it with an error and nothing is written).
 */
export class PendingRevert {
  private _box: HTMLElement | null = null;

  constructor(private readonly host: RevertHost) {}

  /** Plan the revert of change `id` of `notebook` and show it; false (error shown) if it cannot be. */
  show(notebook: ISharedNotebook, id: string, force: boolean): boolean {
    this.close();
    let inverse: ChangeSet;
    try {
      // refuses an undone change (not a conflict: no "Revert anyway") and a revert writing nothing
      const doc = new SharedNotebookDoc(notebook);
      inverse = planRevert(doc.cells(), doc.section(), id, { force, role: 'human' });
    } catch (error) {
      this.host.fail(error, error instanceof RevertConflict ? () => this.show(notebook, id, true) : null);
      return false;
    }
    const source = (cellId: string): string | null =>
      notebook.cells.find(cell => cell.getId() === cellId)?.getSource() ?? null;
    const box = renderRevertConfirm(inverse, source, () => this._write(notebook, inverse), () => {
      this.close();
      this.host.note(`Not reverted: change ${inverse.reverts} stays; nothing was written.`);
    });
    this._box = box;
    this.host.anchor.before(box);
    box.scrollIntoView({ block: 'nearest' });
    return true;
  }

  /** Drop the confirmation without writing anything. */
  close(): void {
    this._box?.remove();
    this._box = null;
  }

  private _write(notebook: ISharedNotebook, inverse: ChangeSet): void {
    this.close();
    try {
      const record = applyChangeSet(new SharedNotebookDoc(notebook), inverse);
      this.host.note(`Reverted change ${record.reverts} (recorded as change ${record.id}).`);
    } catch (error) {
      this.host.fail(error, null);
    }
  }
}

/**
 * The confirmation of a planned revert (`inverse`, not yet applied): a title, the diff of each
 * cell (now -> after the revert) and the buttons "Revert" (`onConfirm`) and "Cancel".
 */
export function renderRevertConfirm(
  inverse: ChangeSet,
  currentSource: (cellId: string) => string | null,
  onConfirm: () => void,
  onCancel: () => void
): HTMLElement {
  const box = document.createElement('div');
  box.className = 'jp-llmdev-revert-confirm';
  box.setAttribute('role', 'group');
  box.setAttribute('aria-label', `Revert change ${inverse.reverts}`);
  const title = document.createElement('div');
  title.className = 'jp-llmdev-revert-title';
  const count = inverse.edits.length;
  title.textContent =
    `Revert change ${inverse.reverts}? It writes ${count} edit${count === 1 ? '' : 's'} ` +
    '(- now, + after the revert); nothing is written until you click Revert.';
  const actions = document.createElement('div');
  actions.className = 'jp-llmdev-actions';
  actions.append(
    button('Revert', onConfirm, 'jp-mod-styled jp-mod-warn jp-llmdev-revert-confirm-yes'),
    button('Cancel', onCancel, 'jp-mod-styled jp-mod-reject')
  );
  box.append(title, renderPreview(inverse, currentSource, 'What the revert writes'), actions);
  return box;
}

/**
 * Fill `list` with the changes recorded in `rawSection` (metadata.jupyter_llmdev); an `applied`
 * change is checked against `cells` (the notebook on display), so one taken out by undo shows as
 * `undone` (and comes back as `applied` on redo).
 */
export function renderHistory(
  list: HTMLElement,
  rawSection: unknown,
  cells: CellView[],
  onRevert: RevertHandler
): void {
  list.replaceChildren();
  let changes: ChangeSet[];
  try {
    changes = readSection(rawSection).changes;
  } catch (error) {
    list.appendChild(note(error instanceof LLMDevError ? error.message : String(error)));
    return;
  }
  if (changes.length === 0) {
    list.appendChild(note('No changes recorded in this notebook yet.'));
    return;
  }
  for (const change of [...changes].reverse()) {
    const presence = change.status === 'applied' ? presenceOf(change, cells) : null;
    list.appendChild(entry(change, presence, onRevert));
  }
}

/** How an entry's status reads: the record's status, or what undo/redo made of an applied change. */
const PRESENCE_WORDS: Record<Presence, string> = {
  applied: 'applied',
  edited: 'applied, edited since',
  undone: 'undone: its cells are not in the notebook (Shift+Z redoes it)'
};

function entry(change: ChangeSet, presence: Presence | null, onRevert: RevertHandler): HTMLElement {
  const item = document.createElement('li');
  const status = presence === 'undone' ? 'undone' : change.status;
  item.className = `jp-llmdev-change jp-llmdev-status-${status}`;
  item.dataset.changeId = change.id;
  const head = document.createElement('div');
  head.className = 'jp-llmdev-change-head';
  const who = change.model ? `${change.role} · ${change.model}` : change.role;
  head.textContent = `${change.id}  ${who}  ${change.time.replace('T', ' ').replace('Z', ' UTC')}`;
  const prompt = document.createElement('div');
  prompt.className = 'jp-llmdev-change-prompt';
  prompt.textContent = change.prompt.split('\n')[0] || `(${change.command})`;
  const facts = document.createElement('div');
  facts.className = 'jp-llmdev-change-facts';
  // usage {} from a model: its server reported none (unknown, not zero); no model: a human's change
  const tokens = tokenCounts(change.usage, Boolean(change.model)) ?? 'no model call';
  const state = presence ? PRESENCE_WORDS[presence] : change.status;
  facts.textContent = `${change.edits.length} edit${change.edits.length === 1 ? '' : 's'} · ${tokens} · ${state}`;
  item.append(head, prompt, facts);
  if (change.status === 'applied' && presence !== 'undone') {
    const button = document.createElement('button');
    button.className = 'jp-mod-styled jp-llmdev-revert';
    button.textContent = 'Revert';
    button.title = `Undo change ${change.id} exactly, as a new recorded change`;
    button.addEventListener('click', () => onRevert(change, false));
    item.appendChild(button);
  }
  return item;
}

function note(text: string): HTMLElement {
  const item = document.createElement('li');
  item.className = 'jp-llmdev-note';
  item.textContent = text;
  return item;
}
