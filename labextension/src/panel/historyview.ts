/**
 * The History section kept in step with the notebook on display. JupyterLab's undo and redo change
 * the cells but not the records, so History is rendered again (debounced) on every cell or
 * metadata change: an undone change shows as undone at once. Reverts go through the confirmation
 * of `PendingRevert`, always on the bound notebook.
 */
import type { INotebookModel } from '@jupyterlab/notebook';

import { SharedNotebookDoc } from '../applier/index.js';
import { PendingRevert, RevertHost, renderHistory } from './history.js';

/** How long History waits after an edit before it checks the changes against the cells again. */
const HISTORY_DELAY_MS = 100;

/** The History list of the bound notebook, and the revert waiting for confirmation. */
export class HistoryView {
  private _model: INotebookModel | null = null;
  private _unbind: (() => void) | null = null;
  private _timer: number | null = null;
  private readonly _reverting: PendingRevert;

  /**
   * `host.anchor` is the History list; `onRevert` is called by an entry's Revert button (the
   * panel clears its error, then calls `revert`).
   */
  constructor(
    private readonly host: RevertHost,
    private readonly onRevert: (id: string, force: boolean) => void
  ) {
    this._reverting = new PendingRevert(host);
  }

  /** Show `model`'s history (null: none) and follow its changes; a pending revert is dropped. */
  bind(model: INotebookModel | null): void {
    this._reverting.close();
    this._unbind?.();
    this._unbind = null;
    this._model = model;
    if (model) {
      const refresh = (): void => this._schedule();
      model.sharedModel.metadataChanged.connect(refresh);
      model.contentChanged.connect(refresh);
      this._unbind = () => {
        model.sharedModel.metadataChanged.disconnect(refresh);
        model.contentChanged.disconnect(refresh);
      };
    }
    this._render();
  }

  /** Show the diff of what reverting change `id` of the bound notebook writes; false: refused (error shown). */
  revert(id: string, force: boolean): boolean {
    return this._model ? this._reverting.show(this._model.sharedModel, id, force) : false;
  }

  /** Stop following the notebook. */
  dispose(): void {
    this._unbind?.();
    this._unbind = null;
    if (this._timer !== null) {
      window.clearTimeout(this._timer);
      this._timer = null;
    }
  }

  private _schedule(): void {
    if (this._timer !== null) {
      return;
    }
    this._timer = window.setTimeout(() => {
      this._timer = null;
      this._render();
    }, HISTORY_DELAY_MS);
  }

  private _render(): void {
    const shared = this._model?.sharedModel;
    if (!shared) {
      this.host.anchor.replaceChildren();
      return;
    }
    const doc = new SharedNotebookDoc(shared);
    renderHistory(this.host.anchor, doc.section(), doc.cells(), (change, force) => this.onRevert(change.id, force));
  }
}
