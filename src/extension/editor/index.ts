/**
 * Editor support for experiment files, registered by the extension's `activate`:
 * diagnostics as you type, completion, hover and quick fixes. The New Experiment command is
 * exported for the extension to register as `hamiltonianRnn.newExperiment`.
 */
import * as vscode from 'vscode';
import { ExperimentDiagnostics } from './diagnostics';
import { EXPERIMENT_SELECTOR, ExperimentCodeActionProvider, ExperimentCompletionProvider, ExperimentHoverProvider } from './providers';

export { isExperimentDocument } from '../../experiment/documentMatch';
export { newExperiment, NEW_EXPERIMENT_COMMAND } from './newExperiment';
export { ExperimentDiagnostics } from './diagnostics';

export function registerEditorSupport(context: vscode.ExtensionContext): void {
  context.subscriptions.push(
    new ExperimentDiagnostics(),
    vscode.languages.registerCompletionItemProvider(EXPERIMENT_SELECTOR, new ExperimentCompletionProvider(), ...ExperimentCompletionProvider.triggerCharacters),
    vscode.languages.registerHoverProvider(EXPERIMENT_SELECTOR, new ExperimentHoverProvider()),
    vscode.languages.registerCodeActionsProvider(EXPERIMENT_SELECTOR, new ExperimentCodeActionProvider(), {
      providedCodeActionKinds: ExperimentCodeActionProvider.providedCodeActionKinds,
    }),
  );
}
