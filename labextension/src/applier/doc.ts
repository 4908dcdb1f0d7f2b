/** What an applier needs from a notebook: read the cells and history, then change them. */
import { CellStamp, JSONObject } from './changeset.js';
import { Section } from './section.js';

/** A cell as the applier reads it. */
export interface CellView {
  /** empty when the notebook has no cell ids (nbformat < 4.5) */
  id: string;
  cell_type: string;
  source: string;
  /** the cell's full metadata, including a previous `jupyter_llmdev` stamp */
  metadata: JSONObject;
}

/** A cell the applier creates. */
export interface NewCell {
  id: string;
  cell_type: string;
  source: string;
  metadata: JSONObject;
}

/**
 * A notebook the applier can change: a JSON notebook (tests, files) or JupyterLab's shared
 * model (the live notebook). Indices are positions at the time of the call.
 */
export interface NotebookDoc {
  /** The cells, in order. */
  cells(): CellView[];
  /** `metadata.jupyter_llmdev` as stored (undefined when absent). */
  section(): unknown;
  /** Insert a new cell at `index` (code cells without outputs). */
  insertCell(index: number, cell: NewCell): void;
  /** Remove the cell at `index`. */
  deleteCell(index: number): void;
  /**
   * Give the cell at `index` a type and source, keeping its id and metadata. A code cell whose
   * source or type changes loses its outputs; markdown/raw keep attachments unless they become code.
   */
  replaceCell(index: number, cellType: string, source: string): void;
  /** Set the cell-level `jupyter_llmdev` stamp of the cell at `index`. */
  stampCell(index: number, stamp: CellStamp): void;
  /** Store the notebook-level section. */
  setSection(section: Section): void;
  /** Run `change` as one step (one undo step, one collaborative update where supported). */
  transact(change: () => void): void;
}
