/** `GET /jupyter-llmdev/info`: is the server extension there, which model answers each role. */
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

import { PROTOCOL_VERSION, ServerInfo } from '../wire.js';

/** What the server extension reports (never keys or URLs): declared in jupyter_llmdev/server/wire.py. */
export type { ServerInfo };

/** The info, or the problem to show in the panel (1-3 lines saying what to do). */
export type InfoResult = { info: ServerInfo; problem: string | null } | { info: null; problem: string };

/** The message shown when the server extension does not answer. */
export const NOT_ENABLED =
  'The jupyter-llmdev server extension is not enabled in this Jupyter server, so the panel cannot reach a model.\n' +
  'Fix: run `jupyter server extension enable jupyter_llmdev` (or `pip install jupyter-llmdev` in the ' +
  "server's environment) and restart the Jupyter server.";

/** Ask the server extension for its info. */
export async function fetchInfo(
  notebookPath: string | null = null,
  settings: ServerConnection.ISettings = ServerConnection.makeSettings()
): Promise<InfoResult> {
  let response: Response;
  const query = notebookPath ? URLExt.objectToQueryString({ path: notebookPath }) : '';
  try {
    response = await ServerConnection.makeRequest(
      URLExt.join(settings.baseUrl, 'jupyter-llmdev', 'info') + query,
      {},
      settings
    );
  } catch {
    return { info: null, problem: 'The Jupyter server does not answer; check that it is still running.' };
  }
  if (response.status === 404) {
    return { info: null, problem: NOT_ENABLED };
  }
  if (!response.ok) {
    return { info: null, problem: `The jupyter-llmdev server extension answered ${response.status}; see the Jupyter server log.` };
  }
  const info = (await response.json()) as ServerInfo;
  if (info.protocol_version.split('.')[0] !== PROTOCOL_VERSION.split('.')[0]) {
    return {
      info,
      problem:
        `The server extension speaks protocol ${info.protocol_version}, this page ${PROTOCOL_VERSION}.\n` +
        'Reload the page; if that does not help, install the same jupyter-llmdev version for the server and JupyterLab.'
    };
  }
  return { info, problem: info.config_error };
}
