/** The applier's view of an nbformat JSON notebook (files, tests). */
import { CellStamp, JSONObject } from './changeset.js';
import { CellView, NewCell, NotebookDoc } from './doc.js';
import { NAMESPACE, Section } from './section.js';

/** nbformat 4 JSON, as far as the applier cares. */
export interface NotebookJSON {
  cells: JSONObject[];
  metadata: JSONObject;
  [key: string]: unknown;
}

/** Applies ChangeSets to a notebook held as nbformat JSON (changed in place). */
export class JsonNotebookDoc implements NotebookDoc {
  constructor(readonly notebook: NotebookJSON) {}

  cells(): CellView[] {
    return this.notebook.cells.map(cell => ({
      id: typeof cell.id === 'string' ? cell.id : '',
      cell_type: String(cell.cell_type ?? 'code'),
      source: joined(cell.source),
      metadata: (cell.metadata as JSONObject | undefined) ?? {}
    }));
  }

  section(): unknown {
    return this.notebook.metadata?.[NAMESPACE];
  }

  insertCell(index: number, cell: NewCell): void {
    this.notebook.cells.splice(index, 0, newCell(cell, undefined));
  }

  deleteCell(index: number): void {
    this.notebook.cells.splice(index, 1);
  }

  replaceCell(index: number, cellType: string, source: string): void {
    const cell = this.notebook.cells[index];
    if (cell.cell_type === cellType) {
      if (cellType === 'code' && joined(cell.source) !== source) {
        cell.outputs = [];
        cell.execution_count = null;
      }
      cell.source = source;
      return;
    }
    const replacement = newCell(
      {
        id: String(cell.id),
        cell_type: cellType,
        source,
        metadata: (cell.metadata as JSONObject | undefined) ?? {}
      },
      cell.attachments
    );
    this.notebook.cells[index] = replacement;
  }

  stampCell(index: number, stamp: CellStamp): void {
    const cell = this.notebook.cells[index];
    const metadata = (cell.metadata as JSONObject | undefined) ?? {};
    metadata[NAMESPACE] = { ...stamp };
    cell.metadata = metadata;
  }

  setSection(section: Section): void {
    this.notebook.metadata = this.notebook.metadata ?? {};
    this.notebook.metadata[NAMESPACE] = JSON.parse(JSON.stringify(section));
  }

  transact(change: () => void): void {
    change();
  }
}

function newCell(cell: NewCell, attachments: unknown): JSONObject {
  const data: JSONObject = {
    id: cell.id,
    cell_type: cell.cell_type,
    metadata: JSON.parse(JSON.stringify(cell.metadata ?? {})),
    source: cell.source
  };
  if (cell.cell_type === 'code') {
    data.execution_count = null;
    data.outputs = [];
  } else if (attachments) {
    data.attachments = JSON.parse(JSON.stringify(attachments));
  }
  return data;
}

/** A source that may be a list of lines, as one string. */
export function joined(source: unknown): string {
  if (Array.isArray(source)) {
    return source.join('');
  }
  return typeof source === 'string' ? source : '';
}
