/**
 * The LLM side panel: bound to the active notebook, streams replies, previews, inserts, reverts,
 * and stores the workflow records (plans, reviews, doc proposals) the server's commands return.
 * Each notebook keeps its own exchange and proposal (`NotebookStates`): the panel shows the active
 * notebook's, so Insert only ever writes the notebook on display.
 */
import type { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { Widget } from '@lumino/widgets';

import { LLMDevError, RecordUpsert, SharedNotebookDoc, applyChangeSet, storeRecords } from '../applier/index.js';
import { notebookSnapshot } from '../live/snapshot.js';
import { ChatDone, ERROR_CODES, PROTOCOL_VERSION, ServerMessage } from '../wire.js';
import { ChatConnection } from './connection.js';
import { build, button } from './dom.js';
import { Exchange } from './exchange.js';
import { HistoryView } from './historyview.js';
import { InfoResult, fetchInfo } from './info.js';
import { ModelPicker, PanelSettings } from './models.js';
import { NextStep, nextSteps } from './nextsteps.js';
import { NotebookStates, notebookName } from './notebooks.js';
import { Proposal, renderProposal } from './proposal.js';
import { calledModel, tokenCounts } from './tokens.js';
import { TrustNotice } from './trust.js';

/** The panel's widget id (also the side bar tab's `data-id`). */
export const PANEL_ID = 'jupyter-llmdev-panel';

/** The right side bar panel titled "LLM". */
export class LLMPanel extends Widget {
  private _notebook: NotebookPanel | null = null;
  /** the request on its way; `answers`: the typed line it answers too (Continue after a cut) */
  private _running: { id: string | null; line: string; answers: string | null } | null = null;
  private _info: InfoResult | null = null;
  private readonly _states = new NotebookStates();
  private readonly _ui = build();
  private readonly _models: ModelPicker;
  private readonly _trust = new TrustNotice(() => void this.send('/trust'));
  private readonly _history = new HistoryView(
    {
      anchor: this._ui.history,
      note: text => this._note(text),
      fail: (error, retry) => {
        this._error(this._notebook, messageOf(error));
        if (retry) {
          const again = (): void => {
            this._error(this._notebook, null);
            retry();
          };
          this._ui.error.appendChild(button('Revert anyway', again));
        }
      }
    },
    (id, force) => this.revert(id, force)
  );

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
   * touching what is typed. The typed text (or `answers`, the line a button goes on with) stays
   * until it is done.
   */
  async send(line: string = this._ui.message.value.trim(), answers: string | null = null): Promise<void> {
    if (!line || this._running) {
      return;
    }
    const notebook = this._notebook;
    if (!notebook?.content.model) {
      this._show(this._ui.error, 'Open a notebook first: the panel works on the active notebook.');
      return;
    }
    this._error(notebook, null);
    // /revert runs here, on the open notebook; /log, /show, /diff are answered from the section sent
    const local = /^\/revert\b\s*(.*)$/.exec(line);
    if (local) {
      this._revert(notebook, local[1]);
      return;
    }
    const settings = this.settings();
    const active = notebook.content.activeCell?.model.id ?? null;
    const cells = notebook.content.model.cells;
    const last = cells.length ? cells.get(cells.length - 1).id : null;
    const isAsk = !line.startsWith('/') || /^\/ask\b/.test(line);
    // the model picked for the role that answers; /review: the picked reviewers ("A,B"; a typed --models wins)
    const role = isAsk
      ? 'ask'
      : /^\/(plan|doc|modularize)\b/.test(line)
        ? 'architect'
        : /^\/(build|fix)\b/.test(line)
          ? 'developer'
          : /^\/review\b/.test(line)
            ? 'reviewer'
            : null;
    const exchange = new Exchange(line);
    this._states.of(notebook).exchange = exchange;
    this._showState();
    this._running = { id: null, line, answers };
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
        message => this._onMessage(message, notebook, exchange)
      );
    } catch (error) {
      this._finish();
      await this.refreshInfo();
      const problem = this._info?.problem;
      this._error(notebook, problem ?? (error instanceof Error ? error.message : String(error)));
    }
  }

  /** Stop the running request; nothing is inserted. */
  stop(): void {
    if (this._running?.id) {
      this.connection.cancel(this._running.id);
    }
  }

  /** Apply the active notebook's previewed change to it (one undo step, recorded in the metadata). */
  insert(): void {
    const notebook = this._notebook;
    const proposal = notebook ? this._states.of(notebook).proposal : null;
    if (!notebook || proposal?.notebook !== notebook || !notebook.content.model) {
      return; // a proposal is only ever inserted into its own notebook, while it is on display
    }
    try {
      const doc = new SharedNotebookDoc(notebook.content.model.sharedModel);
      storeRecords(doc, proposal.records, true);
      const record = applyChangeSet(doc, proposal.changeset);
      storeRecords(doc, proposal.records);
      this._setProposal(notebook, null);
      const edits = `${record.edits.length} edit${record.edits.length === 1 ? '' : 's'}`;
      this._note(`Inserted change ${record.id} into ${notebookName(notebook)} (${edits}).`);
      if (record.command === 'build' || record.command === 'fix') {
        this._offer(this._states.exchange(notebook), [['Review', `/review ${record.id}`]]);
      }
    } catch (error) {
      this._error(notebook, messageOf(error));
    }
  }

  /** Drop the active notebook's previewed change; the notebook stays as it is. */
  discard(): void {
    const notebook = this._notebook;
    if (notebook && this._states.of(notebook).proposal) {
      this._setProposal(notebook, null);
      this._note('Discarded: the notebook was not changed.');
    }
  }

  /**
   * Show the diff of what reverting a recorded change of the bound notebook writes, with Revert /
   * Cancel; only Revert writes it (exactly as shown) as a new recorded change.
   */
  revert(id: string, force: boolean): void {
    if (this._notebook?.content.model) {
      this._error(this._notebook, null);
      this._history.revert(id, force);
    }
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this.tracker.currentChanged.disconnect(this._onCurrentChanged, this);
    this._history.dispose();
    super.dispose();
  }

  private _onCurrentChanged(_: INotebookTracker, notebook: NotebookPanel | null): void {
    this._bind(notebook);
  }

  private _bind(notebook: NotebookPanel | null): void {
    this._notebook = notebook;
    this._ui.notebook.textContent = notebook ? notebookName(notebook) : 'No notebook is active.';
    void this.refreshInfo(); // the project (and its trust) may differ per notebook
    this._showState();
    // History checks each applied change against the cells: undo and redo change its status
    this._history.bind(notebook?.content.model ?? null);
    if (notebook && !notebook.content.model) {
      void notebook.context.ready.then(() => this._notebook === notebook && this._bind(notebook));
    }
  }

  /** Show the bound notebook's exchange, proposal and error (none: an empty panel). */
  private _showState(): void {
    const state = this._notebook ? this._states.of(this._notebook) : null;
    this._ui.transcript.replaceChildren(...(state?.exchange ? [state.exchange.node] : []));
    this._show(this._ui.error, state?.error ?? null);
    this._renderProposal();
  }

  private _revert(notebook: NotebookPanel, rest: string): void {
    const text = this._ui.message.value;
    const force = /(^|\s)--force\b/.test(rest);
    const id = rest.replace(/(^|\s)--force\b/, ' ').trim();
    if (!id) {
      this._error(notebook, 'Usage: /revert CHANGE [--force] (see History for the ids).');
      return;
    }
    if (!this._history.revert(id, force)) {
      return; // the error is shown; the typed line stays
    }
    if (this._ui.message.value === text) {
      this._ui.message.value = '';
    }
  }

  private _onMessage(message: ServerMessage, notebook: NotebookPanel, exchange: Exchange): void {
    if (message.type === 'status') {
      exchange.status(message.text);
    } else if (message.type === 'delta') {
      exchange.append(message.text);
    } else if (message.type === 'done') {
      const typed = this._ui.message.value.trim();
      const line = this._running?.line ?? '';
      if (typed && (typed === line || typed === this._running?.answers)) {
        this._ui.message.value = '';
      }
      this._finish();
      this._done(message, notebook, exchange, line);
    } else if (message.type === 'error') {
      const asked = this._running?.answers ?? this._running?.line ?? null;
      this._finish();
      if (message.code === ERROR_CODES.cancelled) {
        exchange.note(message.message);
      } else if (message.code === ERROR_CODES.cut) {
        // incomplete: nothing inserted or stored until the user picks Continue or Insert anyway
        exchange.incomplete(message.message, line => this._pick(line, asked));
      } else {
        this._error(notebook, message.message);
      }
    }
  }

  /** The request sent as `line` is done: show its facts and reply, then its change or records. */
  private _done(message: ChatDone, notebook: NotebookPanel, exchange: Exchange, line: string): void {
    // usage {} from a model call: its server reported none ("tokens n/a", never 0)
    const tokens = tokenCounts(message.usage, calledModel(message.command, message.model, line)) ?? '';
    const facts = [message.model ?? '', message.context_summary, tokens].filter(fact => fact);
    exchange.status(facts.join(' · '));
    for (const prose of message.command === 'ask' ? [] : message.prose) {
      exchange.note(prose);
    }
    if (message.command !== 'ask') {
      exchange.setReply(message.text);
    }
    if (message.truncated) {
      exchange.note('Incomplete: this reply was cut at the output limit and is used as it is.');
    }
    const records = message.records.map(({ kind, record }) => ({ kind, record }));
    if (message.command === 'trust') {
      void this.refreshInfo();
    }
    if (message.changeset) {
      this._setProposal(notebook, { notebook, changeset: message.changeset, records });
      if (!this.settings().previewBeforeInsert && notebook === this._notebook) {
        this.insert();
      }
    } else if (message.command === 'ask') {
      exchange.note('The reply holds no cells; nothing to insert.');
    } else if (records.length) {
      this._store(notebook, exchange, records);
    }
  }

  /** Store records that came without a change, and offer the next step of the workflow. */
  private _store(notebook: NotebookPanel, exchange: Exchange, records: RecordUpsert[]): void {
    const model = notebook.content.model;
    if (!model) {
      return;
    }
    try {
      storeRecords(new SharedNotebookDoc(model.sharedModel), records);
    } catch (error) {
      this._error(notebook, messageOf(error));
      return;
    }
    this._offer(exchange, nextSteps(records));
  }

  /** Buttons that send a command line as if the user typed it (Approve is the human's click). */
  private _offer(exchange: Exchange, offers: NextStep[]): void {
    exchange.offer(offers, line => this._pick(line));
  }

  /** A button's line: sent for the active notebook, the one whose exchange holds the button. */
  private _pick(line: string, answers: string | null = null): void {
    if (!this._running) {
      void this.send(line, answers);
    }
  }

  /** A note in the bound notebook's exchange. */
  private _note(text: string): void {
    if (this._notebook) {
      const exchange = this._states.exchange(this._notebook);
      exchange.note(text);
      this._ui.transcript.replaceChildren(exchange.node);
    }
  }

  /** `notebook`'s error (null: none), shown while it is the active notebook. */
  private _error(notebook: NotebookPanel | null, text: string | null): void {
    if (notebook) {
      this._states.of(notebook).error = text;
    }
    if (notebook === this._notebook) {
      this._show(this._ui.error, text);
    }
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

  private _setProposal(notebook: NotebookPanel, proposal: Proposal | null): void {
    this._states.of(notebook).proposal = proposal;
    if (notebook === this._notebook) {
      this._renderProposal();
    }
  }

  /** The bound notebook's proposal (another notebook's stays hidden until it is active again). */
  private _renderProposal(): void {
    const notebook = this._notebook;
    renderProposal(this._ui, notebook ? this._states.of(notebook).proposal : null);
  }

  private _show(element: HTMLElement, text: string | null): void {
    element.hidden = !text;
    element.textContent = text ?? '';
  }
}

function messageOf(error: unknown): string {
  return error instanceof LLMDevError || error instanceof Error ? error.message : String(error);
}
