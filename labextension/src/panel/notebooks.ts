/**
 * What the panel holds for each open notebook: its last exchange, its pending proposal and its
 * last error. A proposal belongs to the notebook it was made for: the panel shows (and Insert
 * writes) only the active notebook's, and shows the others again when their notebook is active.
 */
import type { NotebookPanel } from '@jupyterlab/notebook';

import { Exchange } from './exchange.js';
import type { Proposal } from './proposal.js';

/** One notebook's part of the panel. */
export interface NotebookState {
  exchange: Exchange | null;
  proposal: Proposal | null;
  error: string | null;
}

/** The states by notebook; a closed notebook's state (and proposal) goes with it. */
export class NotebookStates {
  private readonly _states = new Map<NotebookPanel, NotebookState>();

  /** The state of `notebook`, created empty on first use. */
  of(notebook: NotebookPanel): NotebookState {
    let state = this._states.get(notebook);
    if (!state) {
      state = { exchange: null, proposal: null, error: null };
      this._states.set(notebook, state);
      notebook.disposed.connect(() => this._states.delete(notebook));
    }
    return state;
  }

  /** The exchange of `notebook`, a new empty one (for notes) when it has none yet. */
  exchange(notebook: NotebookPanel): Exchange {
    const state = this.of(notebook);
    state.exchange ??= new Exchange(null);
    return state.exchange;
  }
}

/** A notebook's name as the panel shows it (its path relative to the server root). */
export function notebookName(notebook: NotebookPanel): string {
  return notebook.context.path;
}
