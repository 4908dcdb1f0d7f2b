/** The ChangeSet in its dict (wire and storage) form, as jupyter_llmdev/notebook/changeset.py writes it. */

import type * as Stored from './metadata-types.js';

/** A JSON object. */
export type JSONObject = { [key: string]: unknown };

/**
 * The ChangeSet types are generated from jupyter_llmdev/notebook/metadata.schema.json
 * (metadata-types.ts, `Stored`), so they cannot drift from what the Python side writes and checks.
 * One difference: the applier builds edits from the notebook's cells before the section is
 * validated, so a `cell_type` here is any string the (untrusted) notebook holds; the schema
 * check (`sectionProblem`) refuses one it does not allow before anything is written.
 */
export type CellState = Omit<Stored.CellState, 'cell_type'> & { cell_type: string };

/** One cell-level operation (`Stored.Edit`, with `before`/`after` as read from the notebook). */
export type Edit = Omit<Stored.Edit, 'before' | 'after'> & { before: CellState | null; after: CellState | null };

/** An ordered list of edits plus who made them, why, and at what cost (`Stored.ChangeSet`). */
export type ChangeSet = Omit<Stored.ChangeSet, 'edits'> & { edits: Edit[] };

/** The cell-level stamp: the change that last touched the cell. */
export type CellStamp = Stored.CellStamp;

/** A new random change id (8 hex digits), like `new_change_id()` in Python. */
export function newChangeId(): string {
  const bytes = new Uint8Array(4);
  globalThis.crypto.getRandomValues(bytes);
  return Array.from(bytes, byte => byte.toString(16).padStart(2, '0')).join('');
}

/** The current UTC time as `YYYY-MM-DDTHH:MM:SSZ`, the format of `ChangeSet.time`. */
export function nowTime(): string {
  return new Date().toISOString().replace(/\.\d+Z$/, 'Z');
}

/** A copy of a cell state in canonical form (metadata only when non-empty). */
export function cellState(data: CellState): CellState {
  const state: CellState = { cell_type: data.cell_type, source: data.source };
  if (data.metadata && Object.keys(data.metadata).length > 0) {
    state.metadata = JSON.parse(JSON.stringify(data.metadata));
  }
  return state;
}

/** An edit in canonical form: the keys `Edit.to_dict()` writes for its op, and no others. */
export function canonicalEdit(edit: Edit): Edit {
  const data: Edit = { op: edit.op, cell_id: edit.cell_id, before: null, after: null };
  if (edit.op === 'insert' || edit.op === 'delete') {
    data.anchor = edit.anchor ?? null;
  }
  if (edit.op === 'delete' && edit.position !== undefined && edit.position !== null) {
    data.position = edit.position;
  }
  data.before = edit.before ? cellState(edit.before) : null;
  data.after = edit.after ? cellState(edit.after) : null;
  return data;
}

/** A ChangeSet in canonical form, like `ChangeSet.from_dict(data).to_dict()` in Python. */
export function canonicalChangeSet(data: ChangeSet): ChangeSet {
  const changeset: ChangeSet = {
    id: data.id,
    parent: data.parent ?? null,
    time: data.time,
    role: data.role,
    model: data.model ?? null,
    provider: data.provider ?? null,
    command: data.command ?? 'ask',
    prompt: data.prompt ?? '',
    plan_id: data.plan_id ?? null,
    edits: (data.edits ?? []).map(canonicalEdit),
    usage: { ...(data.usage ?? {}) },
    status: data.status ?? 'applied'
  };
  if (data.reverts) {
    changeset.reverts = data.reverts;
  }
  return changeset;
}
