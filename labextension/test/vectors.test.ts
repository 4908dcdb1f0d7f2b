/**
 * Runs every tests/vectors/*.json case through the TypeScript applier and presence rule, on JSON
 * and on the shared model (tests/test_vectors.py runs the same cases through the Python twins).
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { YNotebook } from '@jupyter/ydoc';

import {
  ChangeSet,
  JSONObject,
  JsonNotebookDoc,
  LLMDevError,
  NotebookDoc,
  NotebookJSON,
  SharedNotebookDoc,
  applyChangeSet,
  joined,
  planRevert,
  presenceOf,
  readSection
} from '../src/applier/index.js';
import { unknownKeywords } from '../src/applier/jsonschema.js';
import { METADATA_SCHEMA } from '../src/applier/metadata-schema.js';

const here = dirname(fileURLToPath(import.meta.url));
const VECTOR_DIR = process.env.LLMDEV_VECTOR_DIR ?? resolve(here, '../../../../tests/vectors');
/** cell metadata keys a frontend may add by itself; not compared (tests/vectors/README.md) */
const IGNORED_CELL_METADATA = ['execution', 'trusted'];

interface Vector {
  name: string;
  kind: 'apply' | 'revert' | 'presence';
  notebook: NotebookJSON;
  changeset?: ChangeSet;
  expected?: NotebookJSON;
  error?: string;
  hand_edits?: { op: string; cell_id: string; source?: string }[];
  revert?: { change: string; force: boolean; role: string; id: string; time: string };
  expected_after_revert?: NotebookJSON;
  /** presence vectors: where each applied change stands in the notebook's cells */
  expected_presence?: { [changeId: string]: string };
}

/** One way of holding a notebook: JSON, or JupyterLab's shared model. */
interface Holder {
  doc: NotebookDoc;
  dispose(): void;
  json(): NotebookJSON;
  handEdit(index: number, op: string, source?: string): void;
}

function jsonHolder(notebook: NotebookJSON): Holder {
  const data = JSON.parse(JSON.stringify(notebook)) as NotebookJSON;
  for (const cell of data.cells) {
    cell.source = joined(cell.source);
  }
  const doc = new JsonNotebookDoc(data);
  return {
    doc,
    dispose: () => undefined,
    json: () => doc.notebook,
    handEdit(index, op, source) {
      if (op === 'set_source') {
        doc.notebook.cells[index].source = source ?? '';
      } else {
        doc.notebook.cells.splice(index, 1);
      }
    }
  };
}

function sharedHolder(notebook: NotebookJSON): Holder {
  const model = YNotebook.create();
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  model.fromJSON(JSON.parse(JSON.stringify(notebook)) as any);
  const doc = new SharedNotebookDoc(model);
  return {
    doc,
    dispose: () => model.dispose(),
    json: () => model.toJSON() as unknown as NotebookJSON,
    handEdit(index, op, source) {
      if (op === 'set_source') {
        model.getCell(index).setSource(source ?? '');
      } else {
        model.deleteCell(index);
      }
    }
  };
}

/** Exactly what the vectors compare: cells (id, type, source, metadata) and the section. */
function comparable(notebook: NotebookJSON): JSONObject {
  const cells = notebook.cells.map(cell => {
    const metadata = { ...((cell.metadata as JSONObject | undefined) ?? {}) };
    for (const key of IGNORED_CELL_METADATA) {
      delete metadata[key];
    }
    return { id: cell.id, cell_type: cell.cell_type, source: joined(cell.source), metadata };
  });
  const section = notebook.metadata?.jupyter_llmdev;
  return JSON.parse(JSON.stringify({ cells, section: section ?? null }));
}

function expectError(holder: Holder, name: string, action: () => void): void {
  const untouched = comparable(holder.json());
  assert.throws(action, (error: unknown) => {
    assert.ok(error instanceof LLMDevError, `expected ${name}, got ${String(error)}`);
    assert.equal(error.name, name, error.message);
    const lines = error.message.split('\n').length;
    assert.ok(lines >= 1 && lines <= 3, `message of ${lines} lines: ${error.message}`);
    return true;
  });
  assert.deepEqual(comparable(holder.json()), untouched, 'a failed operation must change nothing');
}

/** Every applied change's presence in the cells on display, as the vector states it. */
function checkPresence(doc: NotebookDoc, expected: { [changeId: string]: string }): void {
  const applied = readSection(doc.section()).changes.filter(change => change.status === 'applied');
  assert.deepEqual(
    applied.map(change => change.id).sort(),
    Object.keys(expected).sort(),
    'a presence vector states every applied change'
  );
  const cells = doc.cells();
  const found = Object.fromEntries(applied.map(change => [change.id, presenceOf(change, cells)]));
  assert.deepEqual(found, expected);
}

function runVector(vector: Vector, holder: Holder): void {
  const { doc } = holder;
  if (vector.kind === 'presence') {
    checkPresence(doc, vector.expected_presence!);
    return;
  }
  const changeset = vector.changeset;
  if (vector.kind === 'apply' && vector.error !== undefined) {
    expectError(holder, vector.error, () => applyChangeSet(doc, changeset!));
    return;
  }
  if (changeset !== undefined) {
    applyChangeSet(doc, changeset);
    if (vector.expected !== undefined) {
      assert.deepEqual(comparable(holder.json()), comparable(vector.expected));
    }
  }
  if (vector.kind === 'apply') {
    assert.ok(vector.expected !== undefined, 'an apply vector needs expected or error');
    return;
  }
  for (const edit of vector.hand_edits ?? []) {
    const index = doc.cells().findIndex(cell => cell.id === edit.cell_id);
    assert.ok(index >= 0, `hand edit names a missing cell ${edit.cell_id}`);
    assert.ok(['set_source', 'delete'].includes(edit.op), `unknown hand edit ${edit.op}`);
    holder.handEdit(index, edit.op, edit.source);
  }
  const spec = vector.revert!;
  const revert = (): void => {
    const inverse = planRevert(doc.cells(), doc.section(), spec.change, spec);
    applyChangeSet(doc, inverse);
  };
  if (vector.error !== undefined) {
    expectError(holder, vector.error, revert);
    return;
  }
  revert();
  assert.deepEqual(comparable(holder.json()), comparable(vector.expected_after_revert!));
}

const files = readdirSync(VECTOR_DIR)
  .filter(name => name.endsWith('.json'))
  .sort();

test('the vector directory holds vectors and the schema uses only understood keywords', () => {
  assert.ok(files.length > 0, `no *.json in ${VECTOR_DIR}`);
  assert.deepEqual(unknownKeywords(METADATA_SCHEMA), []);
});

for (const file of files) {
  const vector = JSON.parse(readFileSync(join(VECTOR_DIR, file), 'utf-8')) as Vector;
  for (const [label, make] of [
    ['JSON notebook', jsonHolder],
    ['shared model', sharedHolder]
  ] as const) {
    test(`${vector.name} (${label})`, () => {
      const holder = make(vector.notebook);
      try {
        runVector(vector, holder);
      } finally {
        holder.dispose();
      }
    });
  }
}
