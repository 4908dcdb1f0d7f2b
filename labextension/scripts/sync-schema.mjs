// Generate src/applier/metadata-schema.ts from jupyter_llmdev/notebook/metadata.schema.json, so
// the TypeScript applier validates history with the very schema the Python side uses. Every
// build (build:lib, build:lib:prod, build:test) runs it first; the file is only written when it changes.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const source = resolve(here, '../../jupyter_llmdev/notebook/metadata.schema.json');
const target = resolve(here, '../src/applier/metadata-schema.ts');
const schema = JSON.parse(readFileSync(source, 'utf-8'));
const text = `// Generated from jupyter_llmdev/notebook/metadata.schema.json by scripts/sync-schema.mjs,
// which every build runs first. Do not edit.
import type { Schema } from './jsonschema.js';

export const METADATA_SCHEMA: Schema = ${JSON.stringify(schema, null, 2)};
`;
if (!existsSync(target) || readFileSync(target, 'utf-8') !== text) {
  writeFileSync(target, text);
}
