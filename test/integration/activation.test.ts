import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { EXTENSION_ID, getApi } from './helpers';

describe('activation in a real VS Code extension host', () => {
  it('activates as a workspace extension and registers its commands', async () => {
    const api = await getApi();
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    assert.equal(ext.isActive, true);
    assert.equal(ext.extensionKind, vscode.ExtensionKind.Workspace);
    const commands = await vscode.commands.getCommands(true);
    for (const id of ['train', 'stopTraining', 'openPlots', 'compareRuns', 'newExperiment'])
      assert.ok(commands.includes(`hamiltonianRnn.${id}`), `command hamiltonianRnn.${id} is registered`);
    assert.equal(api.supervisor.activeSessions.length, 0);
    console.log(`VS Code ${vscode.version} (${vscode.env.appHost}, remote ${vscode.env.remoteName ?? 'none'}), editor support: ${api.editorSupport}`);
  });

  it('contributes its settings with defaults', () => {
    const config = vscode.workspace.getConfiguration('hamiltonianRnn');
    assert.equal(config.get('runsFolder'), 'runs');
    assert.equal(config.get('maxConcurrentRuns'), 1);
    assert.equal(config.get('plots.updateRateHz'), 10);
    assert.equal(config.get('backend'), 'fromExperiment');
  });
});
