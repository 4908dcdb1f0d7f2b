/**
 * A proposed change and its preview. A proposal belongs to the notebook it was made for: the
 * preview names that notebook, and the panel shows it (and Insert writes it) only while that
 * notebook is the active one.
 */
import type { NotebookPanel } from '@jupyterlab/notebook';

import type { ChangeSet, RecordUpsert } from '../applier/index.js';
import { renderPreview } from './diff.js';
import type { PanelDom } from './dom.js';

/** A change the server proposed for `notebook`, waiting for Insert or Discard. */
export interface Proposal {
  notebook: NotebookPanel;
  changeset: ChangeSet;
  /** workflow records stored with the change on Insert (e.g. the plan becomes built) */
  records: RecordUpsert[];
}

/** Show `proposal` (the active notebook's, or null: none) in the panel's proposal box. */
export function renderProposal(ui: PanelDom, proposal: Proposal | null): void {
  ui.proposal.hidden = proposal === null;
  ui.preview.replaceChildren();
  if (!proposal) {
    return;
  }
  const name = proposal.notebook.context.path;
  ui.proposalTitle.textContent = `Proposed change to ${name}: Insert writes it into this notebook.`;
  ui.insert.title = `Insert the change into ${name}`;
  const model = proposal.notebook.content.model;
  const source = (id: string): string | null => {
    const cells = model?.sharedModel.cells ?? [];
    return cells.find(cell => cell.getId() === id)?.getSource() ?? null;
  };
  ui.preview.appendChild(renderPreview(proposal.changeset, source));
}
