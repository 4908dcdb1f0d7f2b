/** The panel's websocket to the server extension (`/jupyter-llmdev/chat`); widgets never touch it. */
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

import { ChatRequest, ClientMessage, ERROR_CODES, ServerMessage } from '../wire.js';

/** Receives the server's messages for one request. */
export type RequestHandler = (message: ServerMessage) => void;

/** One websocket, opened on first use and again after it closes; requests are matched by id. */
export class ChatConnection {
  private _socket: WebSocket | null = null;
  private _opening: Promise<WebSocket> | null = null;
  private readonly _handlers = new Map<string, RequestHandler>();
  private _counter = 0;
  private _disposed = false;

  constructor(private readonly settings: ServerConnection.ISettings = ServerConnection.makeSettings()) {}

  /** Send a request; `handler` gets every message for it until its `done` or `error`. */
  async request(fields: Omit<ChatRequest, 'type' | 'id'>, handler: RequestHandler): Promise<string> {
    const id = `req-${Date.now().toString(36)}-${++this._counter}`;
    this._handlers.set(id, handler);
    try {
      const socket = await this._open();
      this._send(socket, { type: 'request', id, ...fields });
    } catch (error) {
      this._handlers.delete(id);
      throw error;
    }
    return id;
  }

  /** Ask the server to stop request `id` (it answers with error `cancelled`). */
  cancel(id: string): void {
    if (this._socket && this._socket.readyState === WebSocket.OPEN) {
      this._send(this._socket, { type: 'cancel', id });
    }
  }

  dispose(): void {
    this._disposed = true;
    this._socket?.close();
    this._handlers.clear();
  }

  private _send(socket: WebSocket, message: ClientMessage): void {
    socket.send(JSON.stringify(message));
  }

  private _open(): Promise<WebSocket> {
    if (this._socket && this._socket.readyState === WebSocket.OPEN) {
      return Promise.resolve(this._socket);
    }
    if (this._opening) {
      return this._opening;
    }
    let url = URLExt.join(this.settings.wsUrl, 'jupyter-llmdev', 'chat');
    if (this.settings.token) {
      url += `?token=${encodeURIComponent(this.settings.token)}`;
    }
    this._opening = new Promise<WebSocket>((resolve, reject) => {
      const socket = new this.settings.WebSocket(url);
      socket.onopen = () => {
        this._socket = socket;
        this._opening = null;
        resolve(socket);
      };
      socket.onerror = () => {
        this._opening = null;
        reject(new Error('The connection to the jupyter-llmdev server extension failed.'));
      };
      socket.onclose = () => this._closed(socket);
      socket.onmessage = event => this._received(String(event.data));
    });
    return this._opening;
  }

  private _received(raw: string): void {
    let message: ServerMessage;
    try {
      message = JSON.parse(raw) as ServerMessage;
    } catch {
      return;
    }
    const handler = message.id === null ? undefined : this._handlers.get(message.id);
    if (!handler) {
      return;
    }
    if (message.type === 'done' || message.type === 'error') {
      this._handlers.delete(message.id as string);
    }
    handler(message);
  }

  /** The socket closed: every request still running ends with an error. */
  private _closed(socket: WebSocket): void {
    if (this._socket === socket) {
      this._socket = null;
    }
    if (this._disposed) {
      return;
    }
    for (const [id, handler] of [...this._handlers]) {
      this._handlers.delete(id);
      handler({
        type: 'error',
        id,
        code: ERROR_CODES.disconnected,
        message: 'The connection to the Jupyter server was lost; nothing was inserted. Send again when it is back.'
      });
    }
  }
}
