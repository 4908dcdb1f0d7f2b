/**
 * Workflow records (plans, reviews, docs) in the notebook's section: upsert, as notebook/records.py.
 * Both run the vectors in tests/vectors/records/ (see tests/vectors/README.md).
 */
import { JSONObject } from './changeset.js';
import { NotebookDoc } from './doc.js';
import { MetadataError } from './errors.js';
import { isObject } from './jsonschema.js';
import { NAMESPACE, Section, readSection, sectionProblem } from './section.js';

/** The section keys that hold workflow records, each a list of objects with an `id`. */
export const RECORD_KINDS = ['plans', 'reviews', 'docs'] as const;

/** One of RECORD_KINDS. */
export type RecordKind = (typeof RECORD_KINDS)[number];

/** One record to store: a record with a known id replaces the old one, else it is appended. */
export interface RecordUpsert {
  kind: string;
  record: unknown;
}

/**
 * Store `updates` in the notebook's `metadata.jupyter_llmdev`, all or nothing, as one step.
 * The whole section is validated against the metadata schema first: an unknown kind or a
 * record the schema refuses throws MetadataError and the notebook is not changed. With
 * `check` only the validation runs (nothing is written).
 */
export function storeRecords(doc: NotebookDoc, updates: RecordUpsert[], check = false): Section {
  const section = readSection(doc.section());
  upsertRecords(section, updates);
  const problem = sectionProblem(section);
  if (problem) {
    throw new MetadataError(
      `jupyter-llmdev refused to store a workflow record: ${problem}.`,
      'Nothing was changed; upgrade jupyter-llmdev in the kernel or server to match this extension.'
    );
  }
  if (!check) {
    doc.transact(() => doc.setSection(section));
  }
  return section;
}

/** Put each record into `section[kind]` in place of the record with its id, else append it. */
export function upsertRecords(section: Section, updates: RecordUpsert[]): void {
  const lists = section as unknown as { [kind: string]: JSONObject[] | undefined };
  for (const { kind, record } of updates) {
    if (!(RECORD_KINDS as readonly string[]).includes(kind)) {
      throw new MetadataError(
        `jupyter-llmdev got a record of unknown kind ${JSON.stringify(kind).slice(0, 40)} ` +
          `(expected ${RECORD_KINDS.join(', ')}).`,
        `Nothing was changed in metadata.${NAMESPACE}; upgrade jupyter-llmdev to matching versions.`
      );
    }
    if (!isObject(record) || typeof record.id !== 'string') {
      throw new MetadataError(
        `jupyter-llmdev got a ${kind} record without a string id.`,
        `Nothing was changed in metadata.${NAMESPACE}.`
      );
    }
    const copy = JSON.parse(JSON.stringify(record)) as JSONObject;
    const list = (lists[kind] ??= []);
    const position = list.findIndex(existing => existing.id === copy.id);
    if (position >= 0) {
      list[position] = copy;
    } else {
      list.push(copy);
    }
  }
}
