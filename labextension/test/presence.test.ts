/**
 * Undo and redo against History: on JupyterLab's real shared notebook model, undo of an applied
 * change takes its cells out but leaves its record `applied` (the undo manager covers the cells,
 * not the notebook metadata). `presenceOf` tells undone from applied and edited, and
 * `checkRevertable` refuses a revert of an undone change and one that would write nothing.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { YNotebook } from '@jupyter/ydoc';

import {
  ApplyError,
  ChangeSet,
  SharedNotebookDoc,
  applyChangeSet,
  checkRevertable,
  planRevert,
  presenceOf,
  readSection
} from '../src/applier/index.js';

const NOTEBOOK = {
  nbformat: 4,
  nbformat_minor: 5,
  metadata: { kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' } },
  cells: [
    { id: 'a', cell_type: 'code', source: 'import math', metadata: {}, outputs: [], execution_count: null },
    { id: 'b', cell_type: 'code', source: 'r = 2', metadata: {}, outputs: [], execution_count: null }
  ]
};

const CHANGE: ChangeSet = {
  id: 'c0ffee01',
  parent: null,
  time: '2026-11-25T10:00:00Z',
  role: 'developer',
  model: 'test-model',
  provider: 'test',
  command: 'ask',
  prompt: 'area',
  plan_id: null,
  edits: [
    { op: 'insert', cell_id: 'n1', anchor: 'b', before: null, after: { cell_type: 'code', source: 'area = math.pi * r ** 2' } },
    { op: 'replace', cell_id: 'b', before: null, after: { cell_type: 'code', source: 'r = 3' } }
  ],
  usage: {},
  status: 'proposed'
} as unknown as ChangeSet;

function applied(): { model: YNotebook; doc: SharedNotebookDoc; change: ChangeSet } {
  const model = YNotebook.create();
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  model.fromJSON(NOTEBOOK as any);
  model.clearUndoHistory(); // as JupyterLab does once a notebook is loaded
  const doc = new SharedNotebookDoc(model);
  const change = applyChangeSet(doc, CHANGE);
  return { model, doc, change };
}

function recorded(doc: SharedNotebookDoc): ChangeSet[] {
  return readSection(doc.section()).changes;
}

test('undo takes the cells out, the record stays applied, History says undone; redo: applied', () => {
  const { model, doc } = applied();
  try {
    assert.equal(presenceOf(recorded(doc)[0], doc.cells()), 'applied');
    assert.ok(model.canUndo());
    model.undo();
    assert.deepEqual(doc.cells().map(cell => [cell.id, cell.source]), [['a', 'import math'], ['b', 'r = 2']]);
    const [change] = recorded(doc);
    assert.equal(change.status, 'applied', 'undo does not cover the notebook metadata');
    assert.equal(presenceOf(change, doc.cells()), 'undone');
    model.redo();
    assert.equal(doc.cells().length, 3);
    assert.equal(presenceOf(recorded(doc)[0], doc.cells()), 'applied');
  } finally {
    model.dispose();
  }
});

test('an edited change is neither applied nor undone', () => {
  const { model, doc } = applied();
  try {
    model.cells[2].setSource('area = 3.14 * r ** 2');
    assert.equal(presenceOf(recorded(doc)[0], doc.cells()), 'edited');
  } finally {
    model.dispose();
  }
});

test('an undone change cannot be reverted, forced or not; nothing is written', () => {
  const { model, doc } = applied();
  try {
    model.undo();
    const before = JSON.stringify(model.toJSON());
    const [change] = recorded(doc);
    for (const force of [false, true]) {
      assert.throws(() => planRevert(doc.cells(), doc.section(), change.id, { force, role: 'human' }), (error: unknown) => {
        assert.ok(error instanceof ApplyError, String(error));
        assert.equal(error.name, 'ApplyError', 'not a conflict that "Revert anyway" could force');
        assert.match(error.message, /nothing to revert/);
        assert.ok(error.message.split('\n').length <= 3, error.message);
        return true;
      });
      assert.throws(() => checkRevertable(change, doc.cells()), /already as before it/);
    }
    assert.equal(JSON.stringify(model.toJSON()), before);
  } finally {
    model.dispose();
  }
});

test('a forced revert that would write nothing is refused', () => {
  const { model, doc } = applied();
  try {
    // the replaced cell deleted by hand, the inserted one left: the forced revert skips the gone
    // cell and deletes the inserted one
    model.deleteCell(1);
    const [change] = recorded(doc);
    assert.equal(presenceOf(change, doc.cells()), 'edited');
    const inverse = planRevert(doc.cells(), doc.section(), change.id, { force: true, role: 'human' });
    assert.deepEqual(inverse.edits.map(edit => [edit.op, edit.cell_id]), [['delete', 'n1']]);
    // and with the inserted cell gone too, it would write nothing: refused (it used to record a
    // revert of 0 edits), although the change is not undone (its replaced cell is gone, not back)
    model.deleteCell(1);
    assert.equal(presenceOf(change, doc.cells()), 'edited');
    const before = JSON.stringify(model.toJSON());
    assert.throws(
      () => planRevert(doc.cells(), doc.section(), change.id, { force: true, role: 'human' }),
      /would write nothing/
    );
    assert.equal(JSON.stringify(model.toJSON()), before);
  } finally {
    model.dispose();
  }
});
