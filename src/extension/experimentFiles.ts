/**
 * Which files are experiments (the rule itself lives in src/experiment/documentMatch.ts):
 * `*.hrnn.yaml` / `*.hrnn.yml`, or a YAML file whose first lines carry a schema modeline naming our schema.
 */
import * as vscode from 'vscode';
import { isExperimentDocument as matchesExperiment } from '../experiment/documentMatch';

export const EXPERIMENT_GLOB = '**/*.hrnn.{yaml,yml}';

/** Only files on disk can be trained; only the head of the text matters (the modeline). */
export function isExperimentDocument(doc: vscode.TextDocument): boolean {
  if (doc.uri.scheme !== 'file') return false;
  return matchesExperiment(doc.uri, doc.getText(new vscode.Range(0, 0, Math.min(doc.lineCount, 10), 0)));
}
