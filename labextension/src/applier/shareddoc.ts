/** The applier's view of JupyterLab's shared notebook model (the live notebook). */
import type { ISharedCell, ISharedCodeCell, ISharedNotebook } from '@jupyter/ydoc';

import { CellStamp, JSONObject } from './changeset.js';
import { CellView, NewCell, NotebookDoc } from './doc.js';
import { NAMESPACE, Section } from './section.js';

/**
 * Applies ChangeSets through `ISharedNotebook`, so the edit is one transaction: one undo
 * step, one update for every collaborator, and the notebook's dirty flag is set.
 */
export class SharedNotebookDoc implements NotebookDoc {
  /**
   * The cells as the ops go. Inside a transaction the model's own `cells` list is updated
   * only when the transaction ends, so the applier keeps its own list of the shared cells.
   */
  private _cells: ISharedCell[] | null = null;

  constructor(readonly model: ISharedNotebook) {}

  cells(): CellView[] {
    return this.model.cells.map(cell => ({
      id: cell.getId(),
      cell_type: cell.cell_type,
      source: cell.getSource(),
      metadata: JSON.parse(JSON.stringify(cell.getMetadata() ?? {})) as JSONObject
    }));
  }

  section(): unknown {
    return this.model.getMetadata(NAMESPACE);
  }

  insertCell(index: number, cell: NewCell): void {
    this.live().splice(index, 0, this.model.insertCell(index, shared(cell, undefined)));
  }

  deleteCell(index: number): void {
    this.model.deleteCell(index);
    this.live().splice(index, 1);
  }

  replaceCell(index: number, cellType: string, source: string): void {
    const cell = this.live()[index];
    if (cell.cell_type === cellType) {
      if (cellType === 'code' && cell.getSource() !== source) {
        const code = cell as ISharedCodeCell;
        code.setOutputs([]);
        code.execution_count = null;
      }
      cell.setSource(source);
      return;
    }
    const json = cell.toJSON() as JSONObject;
    const metadata = JSON.parse(JSON.stringify(cell.getMetadata() ?? {})) as JSONObject;
    const replacement = shared(
      { id: cell.getId(), cell_type: cellType, source, metadata },
      json.attachments
    );
    this.model.deleteCell(index);
    this.live()[index] = this.model.insertCell(index, replacement);
  }

  stampCell(index: number, stamp: CellStamp): void {
    this.live()[index].setMetadata(NAMESPACE, { ...stamp });
  }

  setSection(section: Section): void {
    this.model.setMetadata(NAMESPACE, JSON.parse(JSON.stringify(section)));
  }

  transact(change: () => void): void {
    this._cells = [...this.model.cells];
    try {
      this.model.transact(change);
    } finally {
      this._cells = null;
    }
  }

  /** The current cells: the running list inside `transact`, else a copy of the model's. */
  private live(): ISharedCell[] {
    return this._cells ?? [...this.model.cells];
  }
}

/** The JSON form the shared model's `insertCell` takes (nbformat's ICell). */
type SharedCellInput = Parameters<ISharedNotebook['insertCell']>[1];

function shared(cell: NewCell, attachments: unknown): SharedCellInput {
  const data: JSONObject = {
    id: cell.id,
    cell_type: cell.cell_type,
    source: cell.source,
    metadata: JSON.parse(JSON.stringify(cell.metadata ?? {}))
  };
  if (cell.cell_type === 'code') {
    data.outputs = [];
    data.execution_count = null;
  } else if (attachments) {
    data.attachments = JSON.parse(JSON.stringify(attachments));
  }
  return data as unknown as SharedCellInput;
}
