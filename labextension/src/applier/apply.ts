/**
 * Apply a ChangeSet to a notebook: check every edit first, then change all or nothing.
 * The rules are those of jupyter_llmdev/notebook/apply.py; tests/vectors pins them down.
 */
import {
  CellState,
  CellStamp,
  ChangeSet,
  Edit,
  JSONObject,
  canonicalChangeSet
} from './changeset.js';
import { CellView, NewCell, NotebookDoc } from './doc.js';
import { ApplyError } from './errors.js';
import { isObject } from './jsonschema.js';
import {
  NAMESPACE,
  Section,
  changeRecordProblem,
  nextStamp,
  originForRole,
  readSection,
  validateSection
} from './section.js';

/** The cell types a ChangeSet may create. */
export const CELL_TYPES = ['code', 'markdown', 'raw'];
const CELL_ID = /^[a-zA-Z0-9\-_]{1,64}$/;
const RETRY = 'Nothing was changed; run the command again on the current notebook.';

/** One change of the cell list, at the index it has when the previous ones are done. */
export type CellOp =
  | { kind: 'insert'; index: number; cell: NewCell }
  | { kind: 'delete'; index: number }
  | { kind: 'replace'; index: number; cellType: string; source: string };

/** Everything an apply will do, computed (and checked) before the notebook is touched. */
export interface ApplyPlan {
  /** the change as it will be recorded (befores, anchors, positions filled in) */
  record: ChangeSet;
  ops: CellOp[];
  /** the stamps to set, by index in the final cell order */
  stamps: { index: number; stamp: CellStamp }[];
  /** the section to store */
  section: Section;
}

/**
 * Apply `changeset` to `doc` and record it; returns the record as stored. On any error
 * (ApplyError, MetadataError, MetadataVersionError) the notebook is unchanged.
 */
export function applyChangeSet(doc: NotebookDoc, changeset: ChangeSet): ChangeSet {
  const plan = planApply(doc.cells(), doc.section(), changeset);
  doc.transact(() => commitPlan(doc, plan));
  return plan.record;
}

/** Carry out a plan made by `planApply` on the same notebook. */
export function commitPlan(doc: NotebookDoc, plan: ApplyPlan): void {
  for (const op of plan.ops) {
    if (op.kind === 'insert') {
      doc.insertCell(op.index, op.cell);
    } else if (op.kind === 'delete') {
      doc.deleteCell(op.index);
    } else {
      doc.replaceCell(op.index, op.cellType, op.source);
    }
  }
  for (const { index, stamp } of plan.stamps) {
    doc.stampCell(index, stamp);
  }
  doc.setSection(plan.section);
}

/** Check `input` against the cells and history and work out every step; throws on any problem. */
export function planApply(cells: CellView[], rawSection: unknown, input: ChangeSet): ApplyPlan {
  const section = readSection(rawSection);
  if (!isObject(input) || typeof input.id !== 'string' || !Array.isArray(input.edits)) {
    throw new ApplyError('The change is malformed (no id or no list of edits).', 'Nothing was changed.');
  }
  const changeset = canonicalChangeSet(input);
  const byId = new Map(section.changes.map(record => [record.id, record]));
  if (byId.has(changeset.id)) {
    throw new ApplyError(`Change ${changeset.id} is already recorded in this notebook.`, RETRY);
  }
  const state = new CellState_(cells);
  const completed = changeset.edits.map((edit, number) =>
    state.apply(number + 1, edit, changeset.id)
  );
  const record: ChangeSet = { ...changeset, edits: completed, status: 'applied' };
  const problem = changeRecordProblem(record);
  if (problem) {
    throw new ApplyError(`Change ${changeset.id} is malformed: ${problem}.`, 'Nothing was changed.');
  }
  if (record.reverts) {
    markReverted(byId, record);
  }
  section.changes.push(record);
  validateSection(section);
  const origin = originForRole(record.role);
  const stamps = state.order
    .map((id, index) => ({ id, index }))
    .filter(({ id }) => state.touched.has(id))
    .map(({ id, index }) => ({
      index,
      stamp: nextStamp(state.cells.get(id)!.metadata[NAMESPACE], record.id, origin)
    }));
  return { record, ops: state.ops, stamps, section };
}

/** The cell's metadata without the `jupyter_llmdev` stamp (a copy). */
export function userMetadata(metadata: JSONObject): JSONObject {
  const copy = JSON.parse(JSON.stringify(metadata ?? {})) as JSONObject;
  delete copy[NAMESPACE];
  return copy;
}

function markReverted(byId: Map<string, ChangeSet>, record: ChangeSet): void {
  const target = byId.get(record.reverts ?? '');
  if (target === undefined) {
    throw new ApplyError(
      `Change ${record.id} reverts ${record.reverts}, which is not in this notebook's history.`,
      'Nothing was changed.'
    );
  }
  if (target.status !== 'applied') {
    throw new ApplyError(
      `Change ${target.id} is ${target.status}, so it cannot be reverted.`,
      'Nothing was changed.'
    );
  }
  target.status = 'reverted';
  const undone = byId.get(target.reverts ?? '');
  if (undone !== undefined) {
    undone.status = 'applied';
  }
}

/** The cell order as the edits go, plus the ops that get the real notebook there. */
class CellState_ {
  readonly order: string[] = [];
  readonly cells = new Map<string, CellView>();
  /** ids of the cells inserted or replaced */
  readonly touched = new Set<string>();
  readonly ops: CellOp[] = [];

  constructor(cells: CellView[]) {
    cells.forEach((cell, position) => {
      if (typeof cell.id !== 'string' || !cell.id) {
        throw new ApplyError(
          `Cell ${position + 1} of this notebook has no id (nbformat older than 4.5).`,
          'Save the notebook with JupyterLab 4 (or `llmdev`) first to give cells ids.'
        );
      }
      if (this.cells.has(cell.id)) {
        throw new ApplyError(
          `Two cells of this notebook have the id ${cell.id}.`,
          'Open and save it in JupyterLab 4 to repair duplicate ids.'
        );
      }
      this.order.push(cell.id);
      this.cells.set(cell.id, cell);
    });
  }

  apply(number: number, edit: Edit, changeId: string): Edit {
    const where = `Change ${changeId}, edit ${number} (${edit.op} ${edit.cell_id})`;
    if (edit.op === 'insert') {
      return this.insert(edit, where);
    }
    if (edit.op !== 'replace' && edit.op !== 'delete') {
      throw new ApplyError(`${where}: unknown operation ${JSON.stringify(edit.op)}.`, 'Nothing was changed.');
    }
    const cell = this.cells.get(edit.cell_id);
    if (cell === undefined) {
      throw new ApplyError(`${where}: this notebook has no cell ${edit.cell_id}.`, RETRY);
    }
    const current: CellState = { cell_type: cell.cell_type, source: cell.source };
    if (
      edit.before &&
      (edit.before.cell_type !== current.cell_type || edit.before.source !== current.source)
    ) {
      throw new ApplyError(`${where}: the cell was edited since the change was made.`, RETRY);
    }
    const index = this.order.indexOf(edit.cell_id);
    if (edit.op === 'replace') {
      const after = checkedAfter(edit, where, false);
      this.cells.set(edit.cell_id, { ...cell, cell_type: after.cell_type, source: after.source });
      this.touched.add(edit.cell_id);
      this.ops.push({ kind: 'replace', index, cellType: after.cell_type, source: after.source });
      return { op: 'replace', cell_id: edit.cell_id, before: current, after };
    }
    const anchor = index > 0 ? this.order[index - 1] : null;
    const metadata = userMetadata(cell.metadata);
    this.order.splice(index, 1);
    this.cells.delete(edit.cell_id);
    this.touched.delete(edit.cell_id);
    this.ops.push({ kind: 'delete', index });
    const before: CellState = { ...current };
    if (Object.keys(metadata).length > 0) {
      before.metadata = metadata;
    }
    return { op: 'delete', cell_id: edit.cell_id, anchor, position: index, before, after: null };
  }

  private insert(edit: Edit, where: string): Edit {
    if (typeof edit.cell_id !== 'string' || !CELL_ID.test(edit.cell_id)) {
      throw new ApplyError(
        `${where}: ${JSON.stringify(edit.cell_id)} is not a valid cell id (1-64 of a-z A-Z 0-9 - _).`,
        'Nothing was changed.'
      );
    }
    if (this.cells.has(edit.cell_id)) {
      throw new ApplyError(`${where}: a cell with id ${edit.cell_id} already exists.`, RETRY);
    }
    const anchor = edit.anchor ?? null;
    let index = 0;
    if (anchor !== null) {
      if (!this.cells.has(anchor)) {
        throw new ApplyError(`${where}: this notebook has no cell ${anchor} to insert after.`, RETRY);
      }
      index = this.order.indexOf(anchor) + 1;
    }
    const after = checkedAfter(edit, where, true);
    const cell: NewCell = {
      id: edit.cell_id,
      cell_type: after.cell_type,
      source: after.source,
      metadata: after.metadata ? JSON.parse(JSON.stringify(after.metadata)) : {}
    };
    this.order.splice(index, 0, edit.cell_id);
    this.cells.set(edit.cell_id, cell);
    this.touched.add(edit.cell_id);
    this.ops.push({ kind: 'insert', index, cell });
    return { op: 'insert', cell_id: edit.cell_id, anchor, before: null, after };
  }
}

function checkedAfter(edit: Edit, where: string, keepMetadata: boolean): CellState {
  const after = edit.after;
  if (!after) {
    throw new ApplyError(`${where}: the edit has no 'after' cell.`, 'Nothing was changed.');
  }
  if (!CELL_TYPES.includes(after.cell_type) || typeof after.source !== 'string') {
    throw new ApplyError(
      `${where}: the new cell must have a type in ${CELL_TYPES.join(', ')} and a text source.`,
      'Nothing was changed.'
    );
  }
  const state: CellState = { cell_type: after.cell_type, source: after.source };
  if (keepMetadata && after.metadata) {
    const metadata = userMetadata(after.metadata);
    if (Object.keys(metadata).length > 0) {
      state.metadata = metadata;
    }
  }
  return state;
}
