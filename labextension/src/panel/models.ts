/** The panel's settings (schema/plugin.json) and the model picker, one choice per role. */
import { ISignal, Signal } from '@lumino/signaling';

import type { ServerInfo } from './info.js';

/** The roles the picker offers (reviewer: the models of `/review`, one or `A,B`; empty: the configured ones). */
export const ROLES = ['ask', 'architect', 'developer', 'reviewer'] as const;
export type Role = (typeof ROLES)[number];

/** The settings of schema/plugin.json. */
export interface PanelSettings {
  models: { [role in Role]: string };
  contextCells: number;
  insertPosition: 'below-active' | 'end';
  previewBeforeInsert: boolean;
}

/** The schema's defaults. */
export const DEFAULT_SETTINGS: PanelSettings = {
  models: { ask: '', architect: '', developer: '', reviewer: '' },
  contextCells: 0,
  insertPosition: 'below-active',
  previewBeforeInsert: true
};

/** Settings from the registry's composite value, falling back to the defaults field by field. */
export function panelSettings(composite: { [key: string]: unknown } | null | undefined): PanelSettings {
  const value = composite ?? {};
  const models = { ...DEFAULT_SETTINGS.models, ...((value.models as Partial<PanelSettings['models']>) ?? {}) };
  return {
    models,
    contextCells: typeof value.contextCells === 'number' ? value.contextCells : DEFAULT_SETTINGS.contextCells,
    insertPosition: value.insertPosition === 'end' ? 'end' : 'below-active',
    previewBeforeInsert: value.previewBeforeInsert !== false
  };
}

/** One text box per role (with the known models as suggestions); empty: the server's model. */
export class ModelPicker {
  private readonly _inputs = new Map<Role, HTMLInputElement>();
  private readonly _changed = new Signal<this, PanelSettings['models']>(this);
  private readonly _list = document.createElement('datalist');

  constructor(container: HTMLElement) {
    const summary = document.createElement('summary');
    summary.textContent = 'Models';
    container.appendChild(summary);
    this._list.id = `jp-llmdev-models-${Math.random().toString(36).slice(2)}`;
    container.appendChild(this._list);
    for (const role of ROLES) {
      const row = document.createElement('label');
      row.className = 'jp-llmdev-model-row';
      const name = document.createElement('span');
      name.textContent = role;
      const input = document.createElement('input');
      input.setAttribute('list', this._list.id);
      input.setAttribute('aria-label', `${role} model`);
      input.addEventListener('change', () => this._changed.emit(this.values()));
      row.append(name, input);
      container.appendChild(row);
      this._inputs.set(role, input);
    }
  }

  /** Emitted with every role's choice when the user changes one. */
  get changed(): ISignal<this, PanelSettings['models']> {
    return this._changed;
  }

  /** The chosen model of `role` ('' : the server's configured one). */
  value(role: Role): string {
    return this._inputs.get(role)?.value.trim() ?? '';
  }

  values(): PanelSettings['models'] {
    return { ask: this.value('ask'), architect: this.value('architect'), developer: this.value('developer'), reviewer: this.value('reviewer') };
  }

  /** Show the server's models as placeholders and suggestions, and the saved choices. */
  update(info: ServerInfo | null, saved: PanelSettings['models']): void {
    this._list.replaceChildren(
      ...(info?.models ?? []).map(model => {
        const option = document.createElement('option');
        option.value = model;
        return option;
      })
    );
    for (const role of ROLES) {
      const input = this._inputs.get(role)!;
      const configured = role === 'reviewer' ? info?.reviewers.join(',') : info?.roles[role]?.model;
      input.placeholder = configured ? `server: ${configured}` : 'server default';
      if (document.activeElement !== input) {
        input.value = saved[role] ?? '';
      }
    }
  }
}
