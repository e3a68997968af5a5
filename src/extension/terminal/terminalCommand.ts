/**
 * Puts `hrnn` on the PATH of VS Code's terminals (the environment variable collection API): the
 * launchers of hrnnShim.ts, written into the extension's global storage at every activation (the
 * runtime and the extension folder change with updates). Terminals opened before then show VS
 * Code's "relaunch" hint.
 */
import path from 'node:path';
import type * as vscode from 'vscode';
import { writeShims } from './hrnnShim';

/** Writes the launchers and prepends their folder to PATH; returns the folder. */
export function registerTerminalCommand(context: vscode.ExtensionContext): string {
  const dir = writeShims({
    dir: path.join(context.globalStorageUri.fsPath, 'bin'),
    runtime: process.execPath,
    cli: path.join(context.extensionPath, 'dist', 'cli.js'),
  });
  const env = context.environmentVariableCollection;
  env.description = 'Puts `hrnn`, the Hamiltonian RNN Lab command line, on PATH.';
  env.prepend('PATH', dir + path.delimiter);
  return dir;
}
