/** The jupyter-llmdev JupyterLab plugins: live `%llm` insertion and the LLM side panel. */
import { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { INotebookTracker } from '@jupyterlab/notebook';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { LabIcon } from '@jupyterlab/ui-components';

import { LiveBridge } from './live/bridge.js';
import { ChatConnection } from './panel/connection.js';
import { DEFAULT_SETTINGS, PanelSettings, panelSettings } from './panel/models.js';
import { LLMPanel } from './panel/widget.js';

/** The palette command that opens the panel. */
export const OPEN_PANEL = 'jupyter-llmdev:open-panel';

const llmIcon = new LabIcon({
  name: 'jupyter-llmdev:llm',
  svgstr:
    '<svg xmlns="http://www.w3.org/2000/svg" width="16" viewBox="0 0 24 24">' +
    '<text x="12" y="16" text-anchor="middle" font-size="10" font-family="sans-serif" font-weight="bold" ' +
    'class="jp-icon3" fill="#616161">LLM</text></svg>'
});

/** Applies the ChangeSets `%llm` sends from the kernel to the live notebook. */
const livePlugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyter-llmdev:live',
  description: 'Live %llm cell insertion through the kernel comm.',
  autoStart: true,
  requires: [INotebookTracker],
  activate: (app: JupyterFrontEnd, tracker: INotebookTracker): void => {
    void app;
    new LiveBridge(tracker);
  }
};

/** The LLM side panel, its palette command and its settings. */
const panelPlugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyter-llmdev:plugin',
  description: 'The LLM side panel: chat about the active notebook, preview and insert cells, revert.',
  autoStart: true,
  requires: [INotebookTracker],
  optional: [ISettingRegistry, ICommandPalette],
  activate: (
    app: JupyterFrontEnd,
    tracker: INotebookTracker,
    registry: ISettingRegistry | null,
    palette: ICommandPalette | null
  ): void => {
    let settings: PanelSettings = DEFAULT_SETTINGS;
    let stored: ISettingRegistry.ISettings | null = null;
    const panel = new LLMPanel(tracker, new ChatConnection(), () => settings);
    panel.title.icon = llmIcon;
    app.shell.add(panel, 'right', { rank: 900 });

    if (registry) {
      void registry.load(panelPlugin.id).then(loaded => {
        stored = loaded;
        const update = (): void => {
          settings = panelSettings(loaded.composite as { [key: string]: unknown });
          void panel.refreshInfo();
        };
        loaded.changed.connect(update);
        update();
      });
    }
    panel.models.changed.connect((_, models) => {
      settings = { ...settings, models };
      void stored?.set('models', models);
    });

    app.commands.addCommand(OPEN_PANEL, {
      label: 'Open the LLM panel',
      caption: 'Chat with a model about the active notebook (jupyter-llmdev)',
      execute: () => app.shell.activateById(panel.id)
    });
    palette?.addItem({ command: OPEN_PANEL, category: 'LLM' });
  }
};

export default [livePlugin, panelPlugin];
