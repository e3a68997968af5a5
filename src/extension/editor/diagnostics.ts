/**
 * Problems of open experiment files as diagnostics: validated on open, while typing (debounced),
 * on save; cleared when the file closes or stops being an experiment file.
 */
import * as vscode from 'vscode';
import { isExperimentDocument } from '../../experiment/documentMatch';
import { validateExperimentText } from '../../experiment/validate';
import { toDiagnostic } from './convert';

export const DIAGNOSTICS_DEBOUNCE_MS = 300;

export class ExperimentDiagnostics implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection('hrnn');
  private readonly pending = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(private readonly debounceMs = DIAGNOSTICS_DEBOUNCE_MS) {
    this.subscriptions.push(
      vscode.workspace.onDidOpenTextDocument((doc) => this.validateNow(doc)),
      vscode.workspace.onDidChangeTextDocument((event) => this.schedule(event.document)),
      vscode.workspace.onDidSaveTextDocument((doc) => this.validateNow(doc)),
      vscode.workspace.onDidCloseTextDocument((doc) => this.forget(doc)),
    );
    for (const doc of vscode.workspace.textDocuments) this.validateNow(doc);
  }

  /** Validates a document now (dropping any pending debounced run). */
  validateNow(doc: vscode.TextDocument): void {
    this.cancel(doc.uri);
    const text = doc.getText();
    if (!isExperimentDocument(doc.uri, text)) {
      this.collection.delete(doc.uri);
      return;
    }
    const { problems } = validateExperimentText(text);
    this.collection.set(doc.uri, problems.map(toDiagnostic));
  }

  /** Validates after the user pauses typing. */
  schedule(doc: vscode.TextDocument): void {
    this.cancel(doc.uri);
    const key = doc.uri.toString();
    this.pending.set(
      key,
      setTimeout(() => {
        this.pending.delete(key);
        if (!doc.isClosed) this.validateNow(doc);
      }, this.debounceMs),
    );
  }

  forget(doc: vscode.TextDocument): void {
    this.cancel(doc.uri);
    this.collection.delete(doc.uri);
  }

  private cancel(uri: vscode.Uri): void {
    const key = uri.toString();
    const timer = this.pending.get(key);
    if (timer !== undefined) clearTimeout(timer);
    this.pending.delete(key);
  }

  dispose(): void {
    for (const timer of this.pending.values()) clearTimeout(timer);
    this.pending.clear();
    for (const s of this.subscriptions) s.dispose();
    this.collection.dispose();
  }
}
