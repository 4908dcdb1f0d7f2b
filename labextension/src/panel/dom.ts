/** The panel's DOM: built once, then only filled and shown or hidden by the widget. */

/** A styled button. */
export function button(label: string, onClick: () => void, className = 'jp-mod-styled'): HTMLButtonElement {
  const element = document.createElement('button');
  element.type = 'button';
  element.className = className;
  element.textContent = label;
  element.addEventListener('click', onClick);
  return element;
}

/** The elements of the panel the widget works with. */
export type PanelDom = ReturnType<typeof build>;

/** Build the panel's DOM. */
export function build() {
  const root = document.createElement('div');
  root.className = 'jp-llmdev-body';
  const header = document.createElement('div');
  header.className = 'jp-llmdev-header';
  const notebook = document.createElement('div');
  notebook.className = 'jp-llmdev-notebook';
  header.appendChild(notebook);
  const problem = alert('jp-llmdev-problem');
  const transcript = document.createElement('div');
  transcript.className = 'jp-llmdev-transcript';
  transcript.setAttribute('aria-live', 'polite');
  const error = alert('jp-llmdev-error');
  const proposal = document.createElement('div');
  proposal.className = 'jp-llmdev-proposal';
  proposal.hidden = true;
  const proposalTitle = document.createElement('div');
  proposalTitle.className = 'jp-llmdev-proposal-title';
  const preview = document.createElement('div');
  const insert = button('Insert', () => undefined, 'jp-mod-styled jp-mod-accept');
  const discard = button('Discard', () => undefined, 'jp-mod-styled jp-mod-reject');
  const actions = document.createElement('div');
  actions.className = 'jp-llmdev-actions';
  actions.append(insert, discard);
  proposal.append(proposalTitle, preview, actions);
  const form = document.createElement('form');
  form.className = 'jp-llmdev-compose';
  const message = document.createElement('textarea');
  message.setAttribute('aria-label', 'Message');
  message.placeholder = 'Ask about this notebook, or /help (Ctrl+Enter sends)';
  message.rows = 4;
  const send = document.createElement('button');
  send.type = 'submit';
  send.className = 'jp-mod-styled jp-mod-accept';
  send.textContent = 'Send';
  const stop = button('Stop', () => undefined, 'jp-mod-styled jp-mod-warn');
  stop.hidden = true;
  const exportModules = button('Export', () => undefined);
  exportModules.title = "Write the saved notebook's #| export cells to modules (/export)";
  form.append(message, send, stop, exportModules);
  const models = document.createElement('details');
  models.className = 'jp-llmdev-models';
  const historyBox = document.createElement('section');
  historyBox.className = 'jp-llmdev-history';
  const heading = document.createElement('h3');
  heading.textContent = 'History';
  const history = document.createElement('ul');
  historyBox.append(heading, history);
  root.append(header, problem, transcript, error, proposal, form, models, historyBox);
  return { root, notebook, problem, transcript, error, proposal, proposalTitle, preview, insert, discard, form, message, send, stop, exportModules, models, history };
}

function alert(className: string): HTMLElement {
  const element = document.createElement('div');
  element.className = className;
  element.setAttribute('role', 'alert');
  element.hidden = true;
  return element;
}
