/**
 * Which files are experiments: `*.hrnn.yaml` / `*.hrnn.yml`, or any YAML file whose first lines carry
 * the `# yaml-language-server: $schema=` modeline pointing at our schema.
 */
import * as vscode from 'vscode';

export const EXPERIMENT_GLOB = '**/*.hrnn.{yaml,yml}';
const EXPERIMENT_NAME = /\.hrnn\.ya?ml$/i;
const MODELINE = /^#\s*yaml-language-server:\s*\$schema=\S*experiment\.schema\.json/m;

export function isExperimentFileName(fsPath: string): boolean {
  return EXPERIMENT_NAME.test(fsPath);
}

export function hasSchemaModeline(text: string): boolean {
  // Only the head of the file: the modeline must come before the content.
  return MODELINE.test(text.split(/\r?\n/, 5).join('\n'));
}

export function isExperimentDocument(doc: vscode.TextDocument): boolean {
  if (doc.uri.scheme !== 'file' && doc.uri.scheme !== 'vscode-remote') return false;
  if (isExperimentFileName(doc.uri.fsPath)) return true;
  return doc.languageId === 'yaml' && hasSchemaModeline(doc.getText(new vscode.Range(0, 0, 5, 0)));
}
