/** The notebook's `jupyter_llmdev` history section: read, migrate, validate (as notebook/metadata.py). */
import { CellStamp, ChangeSet, JSONObject } from './changeset.js';
import { MetadataError, MetadataVersionError } from './errors.js';
import { Schema, isObject, schemaProblem } from './jsonschema.js';
import { METADATA_SCHEMA } from './metadata-schema.js';
import type { MetadataSection } from './metadata-types.js';

/** The key under `metadata` of the notebook and of each cell. */
export const NAMESPACE = 'jupyter_llmdev';
/** The schema version this applier writes. */
export const SCHEMA_VERSION = 1;
/** The oldest schema version it still reads (older ones are migrated). */
export const MIN_READABLE_VERSION = 0;

/**
 * The notebook-level section: `MetadataSection`, generated from the metadata schema, with the
 * applier's ChangeSet (see changeset.ts) and any schema version while it is being migrated.
 */
export type Section = Omit<MetadataSection, 'schema_version' | 'changes'> & {
  schema_version: number;
  changes: ChangeSet[];
};

const FIX_HINT =
  'Nothing was changed. Fix or remove metadata.jupyter_llmdev in the notebook (removing it ' +
  'drops the change history), or restore the file from version control.';

/** A fresh, empty section of the current version. */
export function emptySection(): Section {
  return { schema_version: SCHEMA_VERSION, changes: [], plans: [], reviews: [] };
}

/** The cell-level origin recorded for a change made in `role`. */
export function originForRole(role: string): 'llm' | 'human' {
  return role === 'human' ? 'human' : 'llm';
}

/**
 * The section as plain data, migrated to the current version (a copy: the notebook is not
 * touched). `raw` is `metadata.jupyter_llmdev` (undefined or null: no history yet).
 */
export function readSection(raw: unknown, where = 'this notebook'): Section {
  if (raw === undefined || raw === null) {
    return emptySection();
  }
  if (!isObject(raw)) {
    throw corrupt(where, `metadata.${NAMESPACE} is ${kind(raw)}, not an object`);
  }
  let section = JSON.parse(JSON.stringify(raw)) as JSONObject;
  checkVersion(section, where);
  if (((section.schema_version as number | undefined) ?? 0) < SCHEMA_VERSION) {
    section = migrate(section);
  }
  const problem = sectionProblem(section);
  if (problem) {
    throw corrupt(where, problem);
  }
  return section as unknown as Section;
}

/** Throw MetadataError (a bug: we never write invalid history) unless `section` is valid. */
export function validateSection(section: Section): void {
  const problem = sectionProblem(section);
  if (problem) {
    throw new MetadataError(
      `Refusing to write invalid jupyter-llmdev metadata: ${problem}.`,
      'This is a bug in jupyter-llmdev; the notebook was not changed.'
    );
  }
}

/** The first schema problem of one change record, or null. */
export function changeRecordProblem(record: unknown): string | null {
  return schemaProblem(definition('change'), record, METADATA_SCHEMA, 'change');
}

/** The stamp a cell gets when change `changeId` touches it (revision: previous + 1). */
export function nextStamp(previous: unknown, changeId: string, origin: 'llm' | 'human'): CellStamp {
  let revision = isObject(previous) ? previous.revision : undefined;
  if (typeof revision !== 'number' || !Number.isInteger(revision) || revision < 0) {
    revision = 0;
  }
  return { change: changeId, revision: (revision as number) + 1, origin };
}

/** Upgrade a section of any readable version to the current one (the input is not modified). */
export function migrate(section: JSONObject): JSONObject {
  let data = JSON.parse(JSON.stringify(section)) as JSONObject;
  checkVersion(data, 'this notebook');
  let version = (data.schema_version as number | undefined) ?? 0;
  while (version < SCHEMA_VERSION) {
    data = MIGRATIONS[version](data);
    version = data.schema_version as number;
  }
  return data;
}

/** Version 0 -> 1: complete each change record; status from the `reverts` links. */
function from0(data: JSONObject): JSONObject {
  const changes = data.changes ?? [];
  if (Array.isArray(changes)) {
    const records = changes.filter(isObject);
    const status = new Map<unknown, string>(records.map(record => [record.id, 'applied']));
    const byId = new Map<unknown, JSONObject>(records.map(record => [record.id, record]));
    for (const record of records) {
      const target = record.reverts;
      if (status.has(target)) {
        status.set(target, 'reverted');
        const undone = byId.get(target)?.reverts;
        if (status.has(undone)) {
          status.set(undone, 'applied');
        }
      }
    }
    for (const record of records) {
      for (const key of ['parent', 'model', 'provider', 'plan_id']) {
        setDefault(record, key, null);
      }
      setDefault(record, 'command', record.reverts ? 'revert' : 'ask');
      setDefault(record, 'prompt', '');
      setDefault(record, 'usage', {});
      setDefault(record, 'status', status.get(record.id));
    }
  }
  data.changes = changes;
  setDefault(data, 'plans', []);
  setDefault(data, 'reviews', []);
  data.schema_version = 1;
  return data;
}

const MIGRATIONS: { [version: number]: (data: JSONObject) => JSONObject } = { 0: from0 };

function setDefault(record: JSONObject, key: string, value: unknown): void {
  if (!(key in record)) {
    record[key] = value;
  }
}

function checkVersion(section: JSONObject, where: string): void {
  const version = section.schema_version ?? 0;
  if (typeof version !== 'number' || !Number.isInteger(version)) {
    throw corrupt(where, `schema_version is ${JSON.stringify(version)}, not an integer`);
  }
  if (version > SCHEMA_VERSION) {
    throw new MetadataVersionError(
      `${capital(where)} holds jupyter-llmdev history of schema version ${version}, but this ` +
        `JupyterLab extension reads versions up to ${SCHEMA_VERSION}. Nothing was changed.`,
      'Upgrade jupyter-llmdev (pip install -U jupyter-llmdev) to work with it.'
    );
  }
  if (version < MIN_READABLE_VERSION) {
    throw corrupt(where, `schema_version ${version} was never written by jupyter-llmdev`);
  }
}

/** The first problem of a whole section (schema, then unique change ids), or null. */
export function sectionProblem(section: unknown): string | null {
  const problem = schemaProblem(METADATA_SCHEMA, section, METADATA_SCHEMA, `metadata.${NAMESPACE}`);
  if (problem) {
    return problem;
  }
  const seen = new Set<string>();
  for (const record of (section as Section).changes) {
    if (seen.has(record.id)) {
      return `change id ${record.id} appears twice in metadata.${NAMESPACE}.changes`;
    }
    seen.add(record.id);
  }
  return null;
}

function definition(name: string): Schema {
  return { $ref: `#/definitions/${name}` };
}

function corrupt(where: string, problem: string): MetadataError {
  return new MetadataError(
    `The jupyter-llmdev history in ${where} is corrupt: ${problem}.`,
    FIX_HINT
  );
}

function capital(text: string): string {
  return text.slice(0, 1).toUpperCase() + text.slice(1);
}

function kind(value: unknown): string {
  if (Array.isArray(value)) {
    return 'a list';
  }
  return typeof value === 'string' ? 'a string' : typeof value === 'boolean' ? 'a boolean' : `a ${typeof value}`;
}
