/**
 * One exchange of the transcript: the line sent, a status line, the streamed reply, then notes,
 * errors and buttons. The panel keeps one per notebook (`NotebookStates`), so a reply, and what to
 * do next with it, stays with the notebook it is about.
 */
import { button } from './dom.js';
import type { NextStep } from './nextsteps.js';

/** The DOM of one exchange; detached while its notebook is not the active one. */
export class Exchange {
  readonly node = document.createElement('div');
  private readonly _status = document.createElement('div');
  private readonly _reply = document.createElement('pre');

  /** `line`: what was sent (null: notes of local commands, without a request). */
  constructor(line: string | null) {
    this.node.className = 'jp-llmdev-exchange';
    if (line !== null) {
      const asked = document.createElement('div');
      asked.className = 'jp-llmdev-asked';
      asked.textContent = line;
      this._status.className = 'jp-llmdev-status';
      this._reply.className = 'jp-llmdev-reply';
      this.node.append(asked, this._status, this._reply);
    }
  }

  /** Replace the status line (progress, then the facts of the answer). */
  status(text: string): void {
    this._status.replaceChildren(text);
  }

  /** Append streamed reply text. */
  append(text: string): void {
    this._reply.append(text);
  }

  /** Replace the reply text (commands show their final text). */
  setReply(text: string): void {
    this._reply.textContent = text;
  }

  /** A line below the reply (`error`: shown as an error, e.g. for a notebook that was not active). */
  note(text: string, error = false): HTMLElement {
    const note = document.createElement('div');
    note.className = error ? 'jp-llmdev-note jp-llmdev-error-note' : 'jp-llmdev-note';
    if (error) {
      note.setAttribute('role', 'alert');
    }
    note.textContent = text;
    this.node.appendChild(note);
    return note;
  }

  /** A row of buttons; `pick` gets the line of the one clicked. */
  offer(offers: NextStep[], pick: (line: string) => void, className = 'jp-llmdev-next'): HTMLElement | null {
    if (!offers.length) {
      return null;
    }
    const row = document.createElement('div');
    row.className = `jp-llmdev-actions ${className}`;
    for (const [label, line] of offers) {
      const next = button(label, () => pick(line));
      next.title = line;
      row.appendChild(next);
    }
    this.node.appendChild(row);
    return row;
  }

  /**
   * The reply was cut at the output limit: say so (the server's `message`), mark the exchange
   * incomplete, and offer Continue (`/continue`) and Insert anyway (`/continue --as-is`). Nothing
   * was inserted or stored: only the user's click on one of them goes on.
   */
  incomplete(message: string, pick: (line: string) => void): void {
    this.node.classList.add('jp-llmdev-incomplete');
    this._status.replaceChildren('Incomplete: the reply was cut at the output limit.');
    const box = document.createElement('div');
    box.className = 'jp-llmdev-cut';
    box.setAttribute('role', 'alert');
    const text = document.createElement('div');
    text.textContent = message;
    box.appendChild(text);
    this.node.appendChild(box);
    const row = this.offer(
      [
        ['Continue', '/continue'],
        ['Insert anyway', '/continue --as-is']
      ],
      pick,
      'jp-llmdev-cut-actions'
    );
    if (row) {
      box.appendChild(row);
    }
  }
}
