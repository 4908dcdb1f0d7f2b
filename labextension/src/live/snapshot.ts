/** The notebook as context: cell ids, types, sources and trimmed text outputs (no images). */
import type { ICodeCellModel } from '@jupyterlab/cells';
import type { NotebookPanel } from '@jupyterlab/notebook';

import type { WireCell, WireSnapshot } from '../wire.js';

/** Characters of text output kept per cell (head and tail), as in notebook/snapshot.py. */
export const OUTPUT_CHARS = 2000;

interface OutputJSON {
  output_type?: string;
  text?: string | string[];
  data?: { [mime: string]: unknown };
  ename?: string;
  evalue?: string;
}

/**
 * A snapshot of the live notebook, unsaved edits included. With `around` > 0 only that many
 * cells on each side of the active cell are sent (0: every cell). With `withSection` it holds
 * `metadata.jupyter_llmdev` (plans, reviews, changes) for the server's workflow commands.
 */
export function notebookSnapshot(
  panel: NotebookPanel,
  activeCellId: string | null,
  around = 0,
  withSection = false
): WireSnapshot {
  const model = panel.content.model;
  const cells: WireCell[] = [];
  if (model) {
    for (let index = 0; index < model.cells.length; index++) {
      const cell = model.cells.get(index);
      const cellType = cell.type === 'markdown' || cell.type === 'raw' ? cell.type : 'code';
      cells.push({
        id: cell.id,
        cell_type: cellType,
        source: cell.sharedModel.getSource(),
        outputs: cellType === 'code' ? outputsText(cell as ICodeCellModel) : ''
      });
    }
  }
  return {
    path: panel.context.path,
    active_cell_id: activeCellId,
    cells: around > 0 ? nearby(cells, activeCellId, around) : cells,
    section: withSection ? sectionOf(panel) : null
  };
}

function sectionOf(panel: NotebookPanel): { [key: string]: unknown } | null {
  const raw = panel.content.model?.sharedModel.getMetadata('jupyter_llmdev');
  return raw && typeof raw === 'object' && !Array.isArray(raw)
    ? (JSON.parse(JSON.stringify(raw)) as { [key: string]: unknown })
    : null;
}

function nearby(cells: WireCell[], activeCellId: string | null, around: number): WireCell[] {
  const index = cells.findIndex(cell => cell.id === activeCellId);
  const centre = index >= 0 ? index : cells.length - 1;
  return cells.slice(Math.max(0, centre - around), centre + around + 1);
}

/** Stream text, `text/plain` results and errors of a code cell, trimmed. */
export function outputsText(cell: ICodeCellModel): string {
  const parts: string[] = [];
  const outputs = (cell.outputs?.toJSON() ?? []) as OutputJSON[];
  for (const output of outputs) {
    if (output.output_type === 'stream') {
      parts.push(joined(output.text));
    } else if (output.output_type === 'execute_result' || output.output_type === 'display_data') {
      const text = output.data?.['text/plain'];
      if (text !== undefined) {
        parts.push(joined(text as string | string[]));
      }
    } else if (output.output_type === 'error') {
      parts.push(`${output.ename ?? 'Error'}: ${output.evalue ?? ''}`);
    }
  }
  return trim(
    parts
      .map(part => part.replace(/\n+$/, ''))
      .filter(part => part)
      .join('\n')
  );
}

function joined(text: string | string[] | undefined): string {
  return Array.isArray(text) ? text.join('') : (text ?? '');
}

function trim(text: string, limit = OUTPUT_CHARS): string {
  if (text.length <= limit) {
    return text;
  }
  const head = Math.floor((limit * 2) / 3);
  const tail = limit - head;
  return `${text.slice(0, head)}\n... [${text.length - limit} characters trimmed] ...\n${text.slice(-tail)}`;
}
