/**
 * The LLM side panel: bound to the active notebook, streams replies, previews, inserts, reverts,
 * and stores the workflow records (plans, reviews, doc proposals) the server's commands return.
 */
import type { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { Widget } from '@lumino/widgets';

import {
  ChangeSet,
  LLMDevError,
  RecordUpsert,
  SharedNotebookDoc,
  applyChangeSet,
  storeRecords
} from '../applier/index.js';
import { notebookSnapshot } from '../live/snapshot.js';
import { PROTOCOL_VERSION, ServerMessage } from '../wire.js';
import { ChatConnection } from './connection.js';
import { renderPreview } from './diff.js';
import { PendingRevert, renderHistory } from './history.js';
import { InfoResult, fetchInfo } from './info.js';
import { build, button } from './dom.js';
import { ModelPicker, PanelSettings } from './models.js';
import { NextStep, nextSteps } from './nextsteps.js';
import { TrustNotice } from './trust.js';

/** The panel's widget id (also the side bar tab's `data-id`). */
export const PANEL_ID = 'jupyter-llmdev-panel';

interface Proposal {
  notebook: NotebookPanel;
  changeset: ChangeSet;
  /** workflow records stored with the change on Insert (e.g. the plan becomes built) */
  records: RecordUpsert[];
}

/** The right side bar panel titled "LLM". */
export class LLMPanel extends Widget {
  private _notebook: NotebookPanel | null = null;
  private _running: { id: string | null; line: string } | null = null;
  private _proposal: Proposal | null = null;
  private _info: InfoResult | null = null;
  private readonly _ui = build();
  private readonly _models: ModelPicker;
  private readonly _trust = new TrustNotice(() => void this.send('/trust'));

  constructor(
    private readonly tracker: INotebookTracker,
    private readonly connection: ChatConnection,
    private readonly settings: () => PanelSettings
  ) {
    super({ node: document.createElement('div') });
    this.id = PANEL_ID;
    this.title.label = 'LLM';
    this.title.caption = 'jupyter-llmdev: ask a model about the active notebook';
    this.addClass('jp-llmdev-panel');
    this.node.appendChild(this._ui.root);
    this._ui.root.insertBefore(this._trust.node, this._ui.transcript);
    this._models = new ModelPicker(this._ui.models);
    this._ui.form.addEventListener('submit', event => {
      event.preventDefault();
      void this.send();
    });
    this._ui.message.addEventListener('keydown', event => {
      if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        void this.send();
      }
    });
    this._ui.stop.addEventListener('click', () => this.stop());
    this._ui.exportModules.addEventListener('click', () => void this.send('/export'));
    this._ui.insert.addEventListener('click', () => this.insert());
    this._ui.discard.addEventListener('click', () => this.discard());
    tracker.currentChanged.connect(this._onCurrentChanged, this);
    this._bind(tracker.currentWidget);
  }

  /** The model picker (its choices are saved in the settings by the plugin). */
  get models(): ModelPicker {
    return this._models;
  }

  /** Ask the server extension what it serves; problems are shown at the top of the panel. */
  async refreshInfo(): Promise<void> {
    this._info = await fetchInfo(this._notebook?.context.path ?? null);
    this._show(this._ui.problem, this._info.problem);
    this._trust.update(this._info.info?.untrusted);
    this._models.update(this._info.info, this.settings().models);
  }

  /**
   * Send the typed message (a prompt, or a slash command), or `line` from a button without
   * touching what is typed. The typed text stays until it is done.
   */
  async send(line: string = this._ui.message.value.trim()): Promise<void> {
    if (!line || this._running) {
      return;
    }
    this._show(this._ui.error, null);
    const notebook = this._notebook;
    if (!notebook?.content.model) {
      this._show(this._ui.error, 'Open a notebook first: the panel works on the active notebook.');
      return;
    }
    const local = /^\/(log|revert)\b\s*(.*)$/.exec(line);
    if (local) {
      this._local(notebook, local[1], local[2]);
      return;
    }
    const settings = this.settings();
    const active = notebook.content.activeCell?.model.id ?? null;
    const cells = notebook.content.model.cells;
    const last = cells.length ? cells.get(cells.length - 1).id : null;
    const isAsk = !line.startsWith('/') || /^\/ask\b/.test(line);
    // the model picked for the role that answers (reviewers: the configured ones)
    const role = isAsk ? 'ask' : /^\/(plan|doc)\b/.test(line) ? 'architect' : /^\/(build|fix)\b/.test(line) ? 'developer' : null;
    this._startExchange(line);
    this._running = { id: null, line };
    this._setStreaming(true);
    try {
      this._running.id = await this.connection.request(
        {
          protocol_version: PROTOCOL_VERSION,
          line,
          snapshot: notebookSnapshot(notebook, active, settings.contextCells, !isAsk),
          target_cell_id: settings.insertPosition === 'end' ? last : (active ?? last),
          model: role ? this._models.value(role) || null : null
        },
        message => this._onMessage(message, notebook)
      );
    } catch (error) {
      this._finish();
      await this.refreshInfo();
      const problem = this._info?.problem;
      this._show(this._ui.error, problem ?? (error instanceof Error ? error.message : String(error)));
    }
  }

  /** Stop the running request; nothing is inserted. */
  stop(): void {
    if (this._running?.id) {
      this.connection.cancel(this._running.id);
    }
  }

  /** Apply the previewed change to its notebook (one undo step, recorded in the metadata). */
  insert(): void {
    const proposal = this._proposal;
    if (!proposal?.notebook.content.model) {
      return;
    }
    try {
      const doc = new SharedNotebookDoc(proposal.notebook.content.model.sharedModel);
      storeRecords(doc, proposal.records, true);
      const record = applyChangeSet(doc, proposal.changeset);
      storeRecords(doc, proposal.records);
      this._setProposal(null);
      this._note(`Inserted change ${record.id} (${record.edits.length} edit${record.edits.length === 1 ? '' : 's'}).`);
      if (record.command === 'build' || record.command === 'fix') {
        this._offer([['Review', `/review ${record.id}`]]);
      }
    } catch (error) {
      this._show(this._ui.error, messageOf(error));
    }
  }

  /** Drop the previewed change; the notebook stays as it is. */
  discard(): void {
    if (this._proposal) {
      this._setProposal(null);
      this._note('Discarded: the notebook was not changed.');
    }
  }

  /**
   * Show the diff of what reverting a recorded change of the bound notebook writes, with Revert /
   * Cancel; only Revert writes it (exactly as shown) as a new recorded change.
   */
  revert(change: ChangeSet, force: boolean): void {
    const notebook = this._notebook;
    if (notebook?.content.model) {
      this._show(this._ui.error, null);
      this._reverting.show(notebook.content.model.sharedModel, change.id, force);
    }
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this.tracker.currentChanged.disconnect(this._onCurrentChanged, this);
    this._unbindHistory?.();
    super.dispose();
  }

  private _unbindHistory: (() => void) | null = null;
  private readonly _reverting = new PendingRevert({
    anchor: this._ui.history,
    note: text => this._note(text),
    fail: (error, retry) => {
      this._show(this._ui.error, messageOf(error));
      if (retry) {
        const again = (): void => {
          this._show(this._ui.error, null);
          retry();
        };
        this._ui.error.appendChild(button('Revert anyway', again));
      }
    }
  });

  private _onCurrentChanged(_: INotebookTracker, notebook: NotebookPanel | null): void {
    this._bind(notebook);
  }

  private _bind(notebook: NotebookPanel | null): void {
    this._reverting.close();
    this._unbindHistory?.();
    this._unbindHistory = null;
    this._notebook = notebook;
    this._ui.notebook.textContent = notebook ? notebook.context.path : 'No notebook is active.';
    void this.refreshInfo(); // the project (and its trust) may differ per notebook
    const shared = notebook?.content.model?.sharedModel;
    if (shared) {
      const refresh = (): void => this._renderHistory();
      shared.metadataChanged.connect(refresh);
      this._unbindHistory = () => shared.metadataChanged.disconnect(refresh);
    } else if (notebook) {
      void notebook.context.ready.then(() => this._notebook === notebook && this._bind(notebook));
    }
    this._renderHistory();
  }

  private _renderHistory(): void {
    const shared = this._notebook?.content.model?.sharedModel;
    if (!shared) {
      this._ui.history.replaceChildren();
      return;
    }
    renderHistory(this._ui.history, shared.getMetadata('jupyter_llmdev'), (change, force) => this.revert(change, force));
  }

  private _local(notebook: NotebookPanel, command: string, rest: string): void {
    const text = this._ui.message.value;
    if (command === 'log') {
      this._note('The History section below lists this notebook\'s changes.');
    } else {
      const force = /(^|\s)--force\b/.test(rest);
      const id = rest.replace(/(^|\s)--force\b/, ' ').trim();
      if (!id) {
        this._show(this._ui.error, 'Usage: /revert CHANGE [--force] (see History for the ids).');
        return;
      }
      if (!this._reverting.show(notebook.content.model!.sharedModel, id, force)) {
        return; // the error is shown; the typed line stays
      }
    }
    if (this._ui.message.value === text) {
      this._ui.message.value = '';
    }
  }

  private _onMessage(message: ServerMessage, notebook: NotebookPanel): void {
    const exchange = this._ui.transcript.lastElementChild;
    if (message.type === 'status') {
      exchange?.querySelector('.jp-llmdev-status')?.replaceChildren(message.text);
    } else if (message.type === 'delta') {
      exchange?.querySelector('.jp-llmdev-reply')?.append(message.text);
    } else if (message.type === 'done') {
      const line = this._running?.line;
      this._finish();
      if (this._ui.message.value.trim() === line) {
        this._ui.message.value = '';
      }
      const usage = message.usage.prompt_tokens !== undefined
        ? `${message.usage.prompt_tokens} in / ${message.usage.completion_tokens ?? 0} out tokens`
        : '';
      const facts = [message.model ?? '', message.context_summary, usage].filter(fact => fact);
      exchange?.querySelector('.jp-llmdev-status')?.replaceChildren(facts.join(' · '));
      for (const prose of message.command === 'ask' ? [] : message.prose) {
        this._note(prose);
      }
      const reply = exchange?.querySelector('.jp-llmdev-reply');
      if (message.command !== 'ask' && reply) {
        reply.textContent = message.text;
      }
      const records = message.records.map(({ kind, record }) => ({ kind, record }));
      if (message.command === 'trust') {
        void this.refreshInfo();
      }
      if (message.changeset) {
        this._setProposal({ notebook, changeset: message.changeset, records });
        if (!this.settings().previewBeforeInsert) {
          this.insert();
        }
      } else if (message.command === 'ask') {
        this._note('The reply holds no cells; nothing to insert.');
      } else if (records.length) {
        this._store(notebook, records);
      }
    } else if (message.type === 'error') {
      this._finish();
      if (message.code === 'cancelled') {
        this._note(message.message);
      } else {
        this._show(this._ui.error, message.message);
      }
    }
  }

  /** Store records that came without a change, and offer the next step of the workflow. */
  private _store(notebook: NotebookPanel, records: RecordUpsert[]): void {
    const model = notebook.content.model;
    if (!model) {
      return;
    }
    try {
      storeRecords(new SharedNotebookDoc(model.sharedModel), records);
    } catch (error) {
      this._show(this._ui.error, messageOf(error));
      return;
    }
    this._offer(nextSteps(records));
  }

  /** Buttons that send a command line as if the user typed it (Approve is the human's click). */
  private _offer(offers: NextStep[]): void {
    if (!offers.length) {
      return;
    }
    const row = document.createElement('div');
    row.className = 'jp-llmdev-actions jp-llmdev-next';
    for (const [label, line] of offers) {
      const next = button(label, () => {
        if (this._running) {
          return;
        }
        void this.send(line);
      });
      next.title = line;
      row.appendChild(next);
    }
    (this._ui.transcript.lastElementChild ?? this._ui.transcript).appendChild(row);
  }

  private _startExchange(line: string): void {
    const exchange = document.createElement('div');
    exchange.className = 'jp-llmdev-exchange';
    const asked = document.createElement('div');
    asked.className = 'jp-llmdev-asked';
    asked.textContent = line;
    const status = document.createElement('div');
    status.className = 'jp-llmdev-status';
    const reply = document.createElement('pre');
    reply.className = 'jp-llmdev-reply';
    exchange.append(asked, status, reply);
    this._ui.transcript.replaceChildren(exchange);
  }

  private _note(text: string): void {
    const note = document.createElement('div');
    note.className = 'jp-llmdev-note';
    note.textContent = text;
    (this._ui.transcript.lastElementChild ?? this._ui.transcript).appendChild(note);
  }

  private _finish(): void {
    this._running = null;
    this._setStreaming(false);
  }

  private _setStreaming(streaming: boolean): void {
    this._ui.send.disabled = streaming;
    this._ui.exportModules.disabled = streaming;
    this._ui.stop.hidden = !streaming;
    this.toggleClass('jp-llmdev-streaming', streaming);
  }

  private _setProposal(proposal: Proposal | null): void {
    this._proposal = proposal;
    this._ui.proposal.hidden = proposal === null;
    this._ui.preview.replaceChildren();
    if (proposal) {
      const model = proposal.notebook.content.model;
      const source = (id: string): string | null => {
        const cells = model?.sharedModel.cells ?? [];
        return cells.find(cell => cell.getId() === id)?.getSource() ?? null;
      };
      this._ui.preview.appendChild(renderPreview(proposal.changeset, source));
    }
  }

  private _show(element: HTMLElement, text: string | null): void {
    element.hidden = !text;
    element.textContent = text ?? '';
  }
}

function messageOf(error: unknown): string {
  return error instanceof LLMDevError || error instanceof Error ? error.message : String(error);
}
