// Mark the compiled node tests as ES modules (they import @jupyter/ydoc, an ES module).
import { mkdirSync, writeFileSync } from 'node:fs';

mkdirSync('build/node-test', { recursive: true });
writeFileSync('build/node-test/package.json', '{"type": "module"}\n');
