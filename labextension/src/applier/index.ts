/** The ChangeSet applier: the same rules as jupyter_llmdev/notebook/{apply,revert}.py. */
export * from './apply.js';
export * from './changeset.js';
export * from './doc.js';
export * from './errors.js';
export * from './jsondoc.js';
export * from './presence.js';
export * from './records.js';
export * from './revert.js';
export * from './section.js';
export * from './shareddoc.js';
