// Generated from jupyter_llmdev/notebook/metadata.schema.json by `npm run generate`
// (python -m jupyter_llmdev.server.schema_ts > src/applier/metadata-types.ts). Do not edit:
// tests/redesign/test_one_wire.py fails on drift. Conditional rules (if/then) are checked at
// run time against the schema itself.

/** matches ^[A-Za-z0-9_-]+$; 1 to 64 characters */
export type ChangeId = string;

/** matches ^[a-zA-Z0-9-_]+$; 1 to 64 characters */
export type CellId = string;

/** at least 1 character(s) */
export type Time = string;

/** matches ^[0-9a-f]{64}$ */
export type Sha256 = string;

export type Usage = { [key: string]: number };

export interface CellState {
  cell_type: 'code' | 'markdown' | 'raw';
  source: string;
  metadata?: { [key: string]: unknown };
}

export interface Edit {
  op: 'insert' | 'replace' | 'delete';
  cell_id: CellId;
  anchor?: CellId | null;
  position?: number;
  before: CellState | null;
  after: CellState | null;
}

export interface ChangeSet {
  id: ChangeId;
  parent: ChangeId | null;
  time: string;
  role: string;
  model: string | null;
  provider: string | null;
  command: string;
  prompt: string;
  plan_id: string | null;
  reverts?: ChangeId;
  edits: Edit[];
  usage: Usage;
  status: 'applied' | 'reverted' | 'proposed';
}

/** One turn of a plan's conversation; the architect's turns say who answered and the usage. */
export interface PlanMessage {
  role: 'user' | 'assistant';
  content: string;
  time?: Time;
  model?: string | null;
  provider?: string | null;
  usage?: Usage;
}

/**
 * A plan talked through with the architect. Only the human approve command sets approved_at /
 * approved_by.
 */
export interface Plan {
  id: ChangeId;
  status: 'draft' | 'approved' | 'built' | 'reviewed' | 'superseded';
  text: string;
  conversation?: PlanMessage[];
  created?: Time;
  updated?: Time;
  approved_at?: Time | null;
  approved_by?: string | null;
}

export interface Finding {
  severity: 'high' | 'medium' | 'low';
  cell_id: CellId | null;
  text: string;
}

/**
 * One reviewer's part of a review: its model and its findings and verdict, or the error that
 * stopped it.
 */
export interface Reviewer {
  model: string;
  provider: string | null;
  verdict: 'approve' | 'changes' | null;
  summary: string;
  findings: Finding[];
  error: string | null;
  usage: Usage;
}

/**
 * One review command: 1 to 3 reviewers on one change, run concurrently. Findings are numbered from
 * 1 across the reviewers; fixes lists the changes made from them.
 */
export interface Review {
  id: ChangeId;
  change: ChangeId;
  plan_id: ChangeId | null;
  time: Time;
  reviewers: Reviewer[];
  fixes: { change: ChangeId; findings: number[] }[];
}

/**
 * An update of the architecture doc proposed by the architect. The proposed text is kept only while
 * pending; accept writes the file, keeps the previous version as a backup and records both digests.
 */
export interface DocUpdate {
  id: ChangeId;
  time: Time;
  path: string;
  status: 'proposed' | 'accepted' | 'superseded';
  plan_id: ChangeId | null;
  model: string | null;
  provider: string | null;
  usage: Usage;
  summary: string;
  base_sha256: Sha256 | null;
  text?: string;
  new_sha256?: Sha256;
  backup?: string | null;
  accepted_at?: Time;
  accepted_by?: string;
}

export interface CellStamp {
  change: ChangeId;
  revision: number;
  origin: 'llm' | 'human';
}

/**
 * jupyter-llmdev notebook metadata, schema_version 1: metadata.jupyter_llmdev of a notebook (the
 * root of this schema) and of a cell (definitions/cell_meta). Describes stored records: on the wire
 * a replace or delete edit may carry before: null, which the applier fills in from the notebook.
 * plans, reviews and docs hold the architect's plans, the reviews of changes and the updates of the
 * architecture doc (see ARCHITECTURE.md, Workflow).
 */
export interface MetadataSection {
  schema_version: 1;
  changes: ChangeSet[];
  plans: Plan[];
  reviews: Review[];
  docs?: DocUpdate[];
  usage?: Usage;
}
