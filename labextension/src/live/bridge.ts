/**
 * The live channel to kernels running `%llm` (protocol in ARCHITECTURE.md): a snapshot goes to
 * the kernel before a `%llm` cell executes; ChangeSets come back to be applied, and workflow
 * records (plans, reviews, doc proposals) to be stored in the notebook's metadata.
 */
import { Notification } from '@jupyterlab/apputils';
import type { Cell } from '@jupyterlab/cells';
import { INotebookTracker, Notebook, NotebookActions, NotebookPanel } from '@jupyterlab/notebook';
import { CommsOverSubshells, Kernel, KernelMessage } from '@jupyterlab/services';
import type { JSONObject } from '@lumino/coreutils';
import { ISignal, Signal } from '@lumino/signaling';

import { ChangeSet, LLMDevError, SharedNotebookDoc, applyChangeSet, storeRecords } from '../applier/index.js';
import { CommOpen, CommSnapshot, KernelCommMessage, PROTOCOL_VERSION } from '../wire.js';
import { notebookSnapshot } from './snapshot.js';

/** The comm the frontend opens (frontend -> kernel only). */
export const KERNEL_TARGET = 'jupyter_llmdev';
/** The comm the kernel opens (kernel -> frontend only). */
export const FRONT_TARGET = 'jupyter_llmdev_front';

/** A cell that runs the magic: `%llm ...` or `%%llm` on some line. */
const USES_LLM = /^\s*%%?llm\b/m;

/**
 * What every kernel -> frontend message carries (`CommApply`, `CommRecord` in wire.ts, declared in
 * jupyter_llmdev/server/wire.py): `client` is the kernel `clientId` of the page whose execute
 * request ran the cell (null or missing: unknown, e.g. an older kernel).
 */
type AddressedMessage = Pick<KernelCommMessage, 'protocol_version' | 'notebook_path'> & { client?: string | null };

/** One stored (or refused) record, for the panel and the tests. */
export interface LiveRecorded {
  panel: NotebookPanel;
  kind: string;
  error: string | null;
}

/** One applied (or refused) change, for the panel's History and the tests. */
export interface LiveApplied {
  panel: NotebookPanel;
  changeset: ChangeSet | null;
  error: string | null;
}

/** Keeps one comm per kernel, pushes snapshots, applies what kernels send back. */
export class LiveBridge {
  private readonly _comms = new Map<string, Kernel.IComm>();
  private readonly _targets = new WeakSet<Kernel.IKernelConnection>();
  private readonly _applied = new Signal<this, LiveApplied>(this);
  private readonly _recorded = new Signal<this, LiveRecorded>(this);

  constructor(private readonly tracker: INotebookTracker) {
    tracker.widgetAdded.connect((_, panel) => this._watch(panel));
    tracker.forEach(panel => this._watch(panel));
    NotebookActions.executionScheduled.connect(this._onScheduled, this);
  }

  /** Emitted after a change from a kernel was applied (or refused). */
  get applied(): ISignal<this, LiveApplied> {
    return this._applied;
  }

  /** Emitted after a record from a kernel was stored (or refused). */
  get recorded(): ISignal<this, LiveRecorded> {
    return this._recorded;
  }

  dispose(): void {
    NotebookActions.executionScheduled.disconnect(this._onScheduled, this);
    Signal.clearData(this);
  }

  private _watch(panel: NotebookPanel): void {
    const context = panel.sessionContext;
    const register = (): void => {
      const kernel = context.session?.kernel;
      if (kernel) {
        this._registerTarget(kernel);
      }
    };
    context.kernelChanged.connect(register);
    context.ready.then(register).catch(() => undefined);
    register();
  }

  private _registerTarget(kernel: Kernel.IKernelConnection): void {
    if (this._targets.has(kernel) || !kernel.handleComms) {
      return;
    }
    this._targets.add(kernel);
    kernel.registerCommTarget(FRONT_TARGET, (comm, msg) => {
      comm.commsOverSubshells = CommsOverSubshells.Disabled;
      comm.onMsg = message => this._onKernelMessage(kernel, message);
      void msg;
    });
  }

  private _onScheduled(_: unknown, args: { notebook: Notebook; cell: Cell }): void {
    const { notebook, cell } = args;
    if (cell.model.type !== 'code' || !USES_LLM.test(cell.model.sharedModel.getSource())) {
      return;
    }
    const panel = this.tracker.find(candidate => candidate.content === notebook);
    const kernel = panel?.sessionContext.session?.kernel;
    if (!panel || !kernel) {
      return;
    }
    this._registerTarget(kernel);
    try {
      const message: CommSnapshot = {
        method: 'snapshot',
        protocol_version: PROTOCOL_VERSION,
        executing_cell_id: cell.model.id,
        snapshot: notebookSnapshot(panel, cell.model.id)
      };
      this._comm(kernel).send(message as unknown as JSONObject);
    } catch (error) {
      // a closed comm: the kernel falls back to the saved notebook, and the next cell retries
      this._comms.delete(kernel.id);
    }
  }

  /** The kernel's comm, opened on first use; dropped when the kernel closes it. */
  private _comm(kernel: Kernel.IKernelConnection): Kernel.IComm {
    let comm = this._comms.get(kernel.id);
    if (comm && !comm.isDisposed) {
      return comm;
    }
    comm = kernel.createComm(KERNEL_TARGET);
    // on the main shell, the snapshot is handled before the execute request that follows it
    comm.commsOverSubshells = CommsOverSubshells.Disabled;
    comm.onClose = () => {
      this._comms.delete(kernel.id);
    };
    const open: CommOpen = { protocol_version: PROTOCOL_VERSION };
    comm.open(open as unknown as JSONObject);
    this._comms.set(kernel.id, comm);
    kernel.disposed.connect(() => this._comms.delete(kernel.id));
    return comm;
  }

  private _onKernelMessage(kernel: Kernel.IKernelConnection, msg: KernelMessage.ICommMsgMsg): void {
    const data = msg.content.data as unknown as KernelCommMessage;
    if (data?.method !== 'apply' && data?.method !== 'record') {
      return;
    }
    if (!addressedTo(data, kernel)) {
      // another page ran the cell and applies it; this page sees it through the shared model
      return;
    }
    const panel = this._panelFor(kernel, data.notebook_path);
    if (!panel?.content.model) {
      return;
    }
    const doc = new SharedNotebookDoc(panel.content.model.sharedModel);
    if (data.method === 'record') {
      try {
        storeRecords(doc, [{ kind: data.kind, record: data.record }]);
        this._recorded.emit({ panel, kind: data.kind, error: null });
      } catch (error) {
        const message = error instanceof LLMDevError ? error.message : String(error);
        Notification.error(`jupyter-llmdev could not store the ${data.kind} record: ${message}`, { autoClose: false });
        this._recorded.emit({ panel, kind: data.kind, error: message });
      }
      return;
    }
    try {
      const record = applyChangeSet(doc, data.changeset);
      this._applied.emit({ panel, changeset: record, error: null });
    } catch (error) {
      const message = error instanceof LLMDevError ? error.message : String(error);
      Notification.error(`jupyter-llmdev could not insert the change: ${message}`, { autoClose: false });
      this._applied.emit({ panel, changeset: null, error: message });
    }
  }

  private _panelFor(kernel: Kernel.IKernelConnection, path: string | null): NotebookPanel | null {
    const panels: NotebookPanel[] = [];
    this.tracker.forEach(panel => {
      if (panel.sessionContext.session?.kernel?.id === kernel.id) {
        panels.push(panel);
      }
    });
    return panels.find(panel => panel.context.path === path) ?? panels[0] ?? null;
  }
}

/**
 * Whether this page must carry out `data`: every page on the kernel receives the comm's messages
 * (two browsers on one notebook with jupyter-collaboration), and only the one whose kernel
 * connection sent the execute request applies them, so each change lands exactly once.
 */
export function addressedTo(data: AddressedMessage, kernel: Kernel.IKernelConnection): boolean {
  return typeof data.client !== 'string' || data.client === kernel.clientId;
}
