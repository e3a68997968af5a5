/**
 * The New Experiment command: pick a template, name the experiment, write `<name>.hrnn.yaml` with
 * the schema modeline and open it.
 */
import * as vscode from 'vscode';
import { SCHEMA_ID } from '../../experiment/schema';
import {
  EXPERIMENT_TEMPLATES,
  isValidExperimentName,
  renderTemplate,
  schemaReferenceFor,
  WORKSPACE_SCHEMA_LOCATIONS,
  type ExperimentTemplate,
} from '../../experiment/templates';

/** The command id package.json contributes (titled "Hamiltonian RNN: New Experiment"). */
export const NEW_EXPERIMENT_COMMAND = 'hamiltonianRnn.newExperiment';

interface TemplatePick extends vscode.QuickPickItem {
  template: ExperimentTemplate;
}

async function exists(uri: vscode.Uri): Promise<boolean> {
  try {
    await vscode.workspace.fs.stat(uri);
    return true;
  } catch {
    return false;
  }
}

/** The folder to create the file in: the one clicked in the explorer, else the active file's workspace folder. */
async function targetFolder(target: vscode.Uri | undefined): Promise<vscode.Uri | undefined> {
  if (target !== undefined) {
    try {
      const stat = await vscode.workspace.fs.stat(target);
      return stat.type & vscode.FileType.Directory ? target : vscode.Uri.joinPath(target, '..');
    } catch {
      // fall through to the workspace
    }
  }
  const active = vscode.window.activeTextEditor?.document.uri;
  const folder = (active && vscode.workspace.getWorkspaceFolder(active)) ?? vscode.workspace.workspaceFolders?.[0];
  if (folder !== undefined) return folder.uri;
  const picked = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, openLabel: 'Create experiment here' });
  return picked?.[0];
}

/** Schema copies in the workspace (this repository's, or the npm package's) that really are ours. */
async function workspaceSchemas(folder: vscode.Uri): Promise<string[]> {
  const found: string[] = [];
  const root = vscode.workspace.getWorkspaceFolder(folder)?.uri ?? folder;
  for (const location of WORKSPACE_SCHEMA_LOCATIONS) {
    const uri = vscode.Uri.joinPath(root, location);
    try {
      const json = JSON.parse(new TextDecoder().decode(await vscode.workspace.fs.readFile(uri))) as { $id?: unknown };
      if (json.$id === SCHEMA_ID) found.push(uri.path);
    } catch {
      // absent or not our schema
    }
  }
  return found;
}

/**
 * Runs the command. `target`: a folder (or file) from the explorer's context menu. Returns the
 * new file, or undefined when the user cancelled.
 */
export async function newExperiment(target?: vscode.Uri): Promise<vscode.Uri | undefined> {
  const picks: TemplatePick[] = EXPERIMENT_TEMPLATES.map((template) => ({
    label: template.label,
    description: template.description,
    template,
  }));
  const pick = await vscode.window.showQuickPick(picks, { title: 'New Experiment', placeHolder: 'Choose a template' });
  if (pick === undefined) return undefined;
  const name = await vscode.window.showInputBox({
    title: 'New Experiment',
    prompt: 'Name of the experiment (the file will be <name>.hrnn.yaml)',
    value: pick.template.defaultName,
    validateInput: (value) => (isValidExperimentName(value) ? undefined : 'Start with a letter or digit; use only letters, digits, ".", "_" and "-".'),
  });
  if (name === undefined) return undefined;
  const folder = await targetFolder(target);
  if (folder === undefined) return undefined;
  const file = vscode.Uri.joinPath(folder, `${name}.hrnn.yaml`);
  if (await exists(file)) {
    const answer = await vscode.window.showWarningMessage(`${name}.hrnn.yaml already exists. Replace it?`, { modal: true }, 'Replace');
    if (answer !== 'Replace') return undefined;
  }
  const reference = schemaReferenceFor(folder.path, await workspaceSchemas(folder));
  const text = renderTemplate(pick.template, name, reference);
  await vscode.workspace.fs.writeFile(file, new TextEncoder().encode(text));
  const doc = await vscode.workspace.openTextDocument(file);
  await vscode.window.showTextDocument(doc);
  return file;
}
