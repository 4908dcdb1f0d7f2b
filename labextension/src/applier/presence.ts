/**
 * Whether a recorded change is still in the notebook, worked out from the cells on display. The
 * twin of notebook/presence.py: the shared vectors (tests/vectors, `kind: "presence"`) pin both.
 *
 * JupyterLab's undo (`z`) and redo (`Shift+Z`) cover the notebook's cell list (and what is inside
 * the cells), not the notebook metadata: undoing an Insert removes its cells but leaves the record
 * saying `applied`. The record stays as written (undo must not rewrite history that collaborators
 * share); History compares it with the cells each time it is shown, and a revert refuses a change
 * that is no longer there instead of recording a revert that writes nothing.
 */
import { CellState, ChangeSet } from './changeset.js';
import { CellView } from './doc.js';
import { ApplyError } from './errors.js';

/**
 * `applied`: every cell is as the change left it; `undone`: every cell is as it was before the
 * change (undo, or its cells removed by hand); `edited`: anything in between.
 */
export type Presence = 'applied' | 'undone' | 'edited';

/** Where `change` (status `applied`) stands in `cells`. */
export function presenceOf(change: ChangeSet, cells: CellView[]): Presence {
  const byId = new Map(cells.map(cell => [cell.id, cell]));
  // the first `before` and the last `after` of each touched cell
  const before = new Map<string, CellState | null | undefined>();
  const after = new Map<string, CellState | null | undefined>();
  for (const edit of change.edits) {
    if (!before.has(edit.cell_id)) {
      // a crafted record may lack a `before`: then it cannot be told undone
      before.set(edit.cell_id, edit.op === 'insert' ? null : (edit.before ?? undefined));
    }
    after.set(edit.cell_id, edit.op === 'delete' ? null : (edit.after ?? undefined));
  }
  const matches = (states: Map<string, CellState | null | undefined>): boolean =>
    [...states].every(([id, state]) => state !== undefined && same(byId.get(id), state));
  if (matches(after)) {
    return 'applied';
  }
  return before.size > 0 && matches(before) ? 'undone' : 'edited';
}

/**
 * Refuse to revert a change that is not in the notebook (as notebook/presence.py): an `undone`
 * change has nothing to revert, forced or not; with `editCount` (the edits of the planned revert),
 * 0 is refused too, since recording it would claim an undo that never happened. `planRevert`
 * checks both, so no revert ever records that it wrote nothing.
 */
export function checkRevertable(change: ChangeSet, cells: CellView[], editCount: number | null = null): void {
  if (presenceOf(change, cells) === 'undone') {
    throw new ApplyError(
      `Change ${change.id} is not in the notebook: it was undone (or its cells were removed by hand), so ` +
        'its cells are already as before it and there is nothing to revert. Nothing was written.',
      'Redo (Shift+Z in command mode) brings it back.'
    );
  }
  if (editCount === 0) {
    throw new ApplyError(
      `Reverting change ${change.id} would write nothing: none of its cells are in the notebook as ` +
        'it left them (removed or edited by hand). Nothing was written or recorded.'
    );
  }
}

function same(cell: CellView | undefined, state: CellState | null): boolean {
  if (state === null) {
    return cell === undefined;
  }
  return cell !== undefined && cell.cell_type === state.cell_type && cell.source === state.source;
}
