/** The notebook errors of the applier, named like their Python twins in jupyter_llmdev/errors.py. */

/** Base error: a 1-3 line message saying what happened, then (optionally) what to do. */
export class LLMDevError extends Error {
  /** What to do about it (the message's last line), if anything. */
  readonly hint: string | null;

  constructor(message: string, hint: string | null = null) {
    super(hint ? `${message}\n${hint}` : message);
    this.hint = hint;
  }
}

/** A ChangeSet that does not fit the notebook (unknown cell, stale `before`, ...). */
export class ApplyError extends LLMDevError {
  override name = 'ApplyError';
}

/** `metadata.jupyter_llmdev` is corrupt; nothing was changed. */
export class MetadataError extends LLMDevError {
  override name = 'MetadataError';
}

/** The history was written by a newer schema than this version reads. */
export class MetadataVersionError extends LLMDevError {
  override name = 'MetadataVersionError';
}

/** No recorded change matches an id or prefix (or the prefix is ambiguous). */
export class ChangeNotFound extends LLMDevError {
  override name = 'ChangeNotFound';
}

/** A revert would overwrite cells edited since the change; `cells` names them. */
export class RevertConflict extends LLMDevError {
  override name = 'RevertConflict';
  readonly cells: string[];

  constructor(message: string, hint: string | null, cells: string[]) {
    super(message, hint);
    this.cells = cells;
  }
}
