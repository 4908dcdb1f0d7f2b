/** The History section: the notebook's recorded changes, newest first, each with "Revert". */
import { ChangeSet, LLMDevError, readSection } from '../applier/index.js';

/** Called when the user clicks "Revert" (or "Revert anyway") on a change. */
export type RevertHandler = (change: ChangeSet, force: boolean) => void;

/** Fill `list` with the changes recorded in `rawSection` (metadata.jupyter_llmdev). */
export function renderHistory(list: HTMLElement, rawSection: unknown, onRevert: RevertHandler): void {
  list.replaceChildren();
  let changes: ChangeSet[];
  try {
    changes = readSection(rawSection).changes;
  } catch (error) {
    list.appendChild(note(error instanceof LLMDevError ? error.message : String(error)));
    return;
  }
  if (changes.length === 0) {
    list.appendChild(note('No changes recorded in this notebook yet.'));
    return;
  }
  for (const change of [...changes].reverse()) {
    list.appendChild(entry(change, onRevert));
  }
}

function entry(change: ChangeSet, onRevert: RevertHandler): HTMLElement {
  const item = document.createElement('li');
  item.className = `jp-llmdev-change jp-llmdev-status-${change.status}`;
  item.dataset.changeId = change.id;
  const head = document.createElement('div');
  head.className = 'jp-llmdev-change-head';
  const who = change.model ? `${change.role} · ${change.model}` : change.role;
  head.textContent = `${change.id}  ${who}  ${change.time.replace('T', ' ').replace('Z', ' UTC')}`;
  const prompt = document.createElement('div');
  prompt.className = 'jp-llmdev-change-prompt';
  prompt.textContent = change.prompt.split('\n')[0] || `(${change.command})`;
  const facts = document.createElement('div');
  facts.className = 'jp-llmdev-change-facts';
  const tokens =
    change.usage.prompt_tokens !== undefined
      ? `${change.usage.prompt_tokens} in / ${change.usage.completion_tokens ?? 0} out tokens`
      : 'no token count';
  facts.textContent = `${change.edits.length} edit${change.edits.length === 1 ? '' : 's'} · ${tokens} · ${change.status}`;
  item.append(head, prompt, facts);
  if (change.status === 'applied') {
    const button = document.createElement('button');
    button.className = 'jp-mod-styled jp-llmdev-revert';
    button.textContent = 'Revert';
    button.title = `Undo change ${change.id} exactly, as a new recorded change`;
    button.addEventListener('click', () => onRevert(change, false));
    item.appendChild(button);
  }
  return item;
}

function note(text: string): HTMLElement {
  const item = document.createElement('li');
  item.className = 'jp-llmdev-note';
  item.textContent = text;
  return item;
}
