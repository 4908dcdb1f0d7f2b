/**
 * The untrusted-project notice: a downloaded project's `[tool.llmdev]` may not add providers,
 * name key variables or point outside the project until the user trusts it (SECURITY.md). The
 * server reports what it ignored in `/info?path=`; the button is the human action (`/trust`).
 */
import type { Untrusted } from '../wire.js';
import { button } from './dom.js';

/** What `/info` says the notebook's project lost for want of trust (declared in server/wire.py). */
export type { Untrusted };

/** The notice above the transcript; hidden when nothing is ignored. */
export class TrustNotice {
  readonly node: HTMLElement = document.createElement('div');
  private readonly _text = document.createElement('p');
  private readonly _button: HTMLButtonElement;

  constructor(onTrust: () => void) {
    this.node.className = 'jp-llmdev-trust';
    this.node.setAttribute('role', 'status');
    this.node.hidden = true;
    this._button = button('Trust this project', onTrust, 'jp-mod-styled jp-mod-warn');
    this.node.append(this._text, this._button);
  }

  /** Show what is ignored and the Trust button, or hide the notice. */
  update(untrusted: Untrusted | null | undefined): void {
    this.node.hidden = !untrusted;
    if (!untrusted) {
      return;
    }
    this._text.textContent = untrusted.message;
    this._button.setAttribute('aria-label', `Trust ${untrusted.settings_file}`);
    this._button.title = `Let ${untrusted.settings_file} set: ${untrusted.ignored.join(', ')}`;
  }
}
