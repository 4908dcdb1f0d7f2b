/** storeRecords: workflow records from a kernel or the server, stored in the notebook's section. */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { YNotebook } from '@jupyter/ydoc';

import {
  JSONObject,
  JsonNotebookDoc,
  LLMDevError,
  NotebookDoc,
  NotebookJSON,
  SharedNotebookDoc,
  storeRecords
} from '../src/applier/index.js';

const DRAFT: JSONObject = {
  id: 'plan1',
  status: 'draft',
  text: 'Add a loader cell.',
  conversation: [{ role: 'user', content: 'a loader', time: '2026-11-25T10:00:00Z' }],
  created: '2026-11-25T10:00:00Z',
  updated: '2026-11-25T10:00:00Z',
  approved_at: null,
  approved_by: null
};

const APPROVED: JSONObject = {
  ...DRAFT,
  status: 'approved',
  approved_at: '2026-11-25T10:05:00Z',
  approved_by: 'ada'
};

function notebook(section?: JSONObject): NotebookJSON {
  const metadata: JSONObject = { kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' } };
  if (section) {
    metadata.jupyter_llmdev = section;
  }
  return {
    nbformat: 4,
    nbformat_minor: 5,
    metadata,
    cells: [{ id: 'a', cell_type: 'code', source: 'x = 1', metadata: {}, outputs: [], execution_count: null }]
  } as unknown as NotebookJSON;
}

/** Run `check` on a JSON notebook and on JupyterLab's shared model. */
function both(name: string, section: JSONObject | undefined, check: (doc: NotebookDoc, read: () => JSONObject) => void): void {
  test(`${name} (JSON notebook)`, () => {
    const doc = new JsonNotebookDoc(notebook(section));
    check(doc, () => JSON.parse(JSON.stringify(doc.notebook.metadata)) as JSONObject);
  });
  test(`${name} (shared model)`, () => {
    const model = YNotebook.create();
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    model.fromJSON(notebook(section) as any);
    try {
      check(new SharedNotebookDoc(model), () => JSON.parse(JSON.stringify(model.toJSON().metadata)) as JSONObject);
    } finally {
      model.dispose();
    }
  });
}

both('a plan goes into a notebook without history', undefined, (doc, read) => {
  storeRecords(doc, [{ kind: 'plans', record: DRAFT }]);
  const metadata = read();
  assert.deepEqual(metadata.jupyter_llmdev, { schema_version: 1, changes: [], plans: [DRAFT], reviews: [] });
  assert.deepEqual((metadata.kernelspec as JSONObject).name, 'python3');
});

both('a record with a known id replaces it in place', { schema_version: 1, changes: [], plans: [DRAFT, { ...DRAFT, id: 'plan2' }], reviews: [] }, (doc, read) => {
  storeRecords(doc, [{ kind: 'plans', record: APPROVED }]);
  const section = read().jupyter_llmdev as JSONObject;
  assert.deepEqual(section.plans, [APPROVED, { ...DRAFT, id: 'plan2' }]);
});

both('docs are a kind too', undefined, (doc, read) => {
  const proposal = {
    id: 'doc1', time: '2026-11-25T10:00:00Z', path: 'ARCHITECTURE.md', status: 'proposed', plan_id: null,
    model: 'm', provider: 'p', usage: {}, summary: '', base_sha256: null, text: '# Doc\n'
  };
  try {
    storeRecords(doc, [{ kind: 'docs', record: proposal }]);
  } catch (error) {
    assert.fail(`the doc record was refused: ${String(error)}`);
  }
  assert.deepEqual((read().jupyter_llmdev as JSONObject).docs, [proposal]);
});

function refused(doc: NotebookDoc, read: () => JSONObject, records: { kind: string; record: unknown }[], pattern: RegExp): void {
  const before = read();
  assert.throws(() => storeRecords(doc, records), (error: unknown) => {
    assert.ok(error instanceof LLMDevError, String(error));
    assert.equal(error.name, 'MetadataError');
    assert.match(error.message, pattern);
    assert.ok(error.message.split('\n').length <= 3, error.message);
    return true;
  });
  assert.deepEqual(read(), before, 'the notebook changed although the record was refused');
}

both('an approved plan without approved_by is refused, nothing stored', undefined, (doc, read) => {
  refused(doc, read, [{ kind: 'plans', record: DRAFT }, { kind: 'plans', record: { ...APPROVED, id: 'p3', approved_by: null } }], /refused/);
});

both('an unknown kind or a record without id is refused', undefined, (doc, read) => {
  refused(doc, read, [{ kind: 'changes', record: DRAFT }], /unknown kind/);
  refused(doc, read, [{ kind: 'plans', record: { text: 'x' } }], /without a string id/);
});

both('a corrupt section is not overwritten', { schema_version: 1, changes: 'nope', plans: [], reviews: [] }, (doc, read) => {
  refused(doc, read, [{ kind: 'plans', record: DRAFT }], /corrupt/);
});

/** tests/vectors/records/*.json: the same cases tests/test_vectors.py runs through records.py. */
interface RecordVector {
  name: string;
  section?: JSONObject;
  upserts: { kind: string; record: unknown }[];
  expected?: JSONObject;
  error?: string;
}

const RECORD_VECTOR_DIR = resolve(
  process.env.LLMDEV_VECTOR_DIR ?? resolve(dirname(fileURLToPath(import.meta.url)), '../../../../tests/vectors'),
  'records'
);
const RECORD_VECTORS = readdirSync(RECORD_VECTOR_DIR).filter(name => name.endsWith('.json')).sort();

test('the record vectors are there', () => {
  assert.ok(RECORD_VECTORS.length >= 5, `no record vectors in ${RECORD_VECTOR_DIR}`);
});

for (const file of RECORD_VECTORS) {
  const vector = JSON.parse(readFileSync(join(RECORD_VECTOR_DIR, file), 'utf-8')) as RecordVector;
  both(`vector ${vector.name}`, vector.section, (doc, read) => {
    if (vector.error !== undefined) {
      const before = read();
      assert.throws(() => storeRecords(doc, vector.upserts), (error: unknown) => {
        assert.ok(error instanceof LLMDevError, String(error));
        assert.equal(error.name, vector.error);
        assert.ok(error.message.split('\n').length <= 3, error.message);
        return true;
      });
      assert.deepEqual(read(), before, 'the notebook changed although the records were refused');
      return;
    }
    storeRecords(doc, vector.upserts);
    assert.deepEqual(read().jupyter_llmdev, vector.expected);
  });
}
