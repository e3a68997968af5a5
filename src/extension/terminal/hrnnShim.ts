/**
 * `hrnn` in VS Code's terminals for .vsix users: a folder with two tiny launchers (`hrnn` for sh,
 * `hrnn.cmd` for Windows) that run the extension's bundled CLI (dist/cli.js) with the extension
 * host's own runtime (VS Code's Electron acting as Node through ELECTRON_RUN_AS_NODE, set inside
 * the launcher only, so the terminal's own `code` command is unaffected). The extension puts the
 * folder on the terminals' PATH (terminalCommand.ts). Free of `vscode`.
 */
import fs from 'node:fs';
import path from 'node:path';

export interface ShimTarget {
  /** The folder to write the launchers into. */
  dir: string;
  /** The runtime to start (the extension host's process.execPath). */
  runtime: string;
  /** The bundled CLI (the extension's dist/cli.js). */
  cli: string;
}

const shQuote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/** The launchers' contents by file name. */
export function shimFiles(target: ShimTarget): Record<string, string> {
  return {
    hrnn: `#!/bin/sh\n# hrnn: the Hamiltonian RNN Lab CLI of the VS Code extension (rewritten when the extension starts).\nELECTRON_RUN_AS_NODE=1 exec ${shQuote(target.runtime)} ${shQuote(target.cli)} "$@"\n`,
    'hrnn.cmd': `@echo off\r\nrem hrnn: the Hamiltonian RNN Lab CLI of the VS Code extension (rewritten when the extension starts).\r\nsetlocal\r\nset ELECTRON_RUN_AS_NODE=1\r\n"${target.runtime}" "${target.cli}" %*\r\n`,
  };
}

/** Writes the launchers (only those whose content changed); returns the folder. */
export function writeShims(target: ShimTarget): string {
  fs.mkdirSync(target.dir, { recursive: true });
  for (const [name, content] of Object.entries(shimFiles(target))) {
    const file = path.join(target.dir, name);
    const same = fs.existsSync(file) && fs.readFileSync(file, 'utf8') === content;
    if (!same) {
      const tmp = `${file}.${process.pid}.tmp`;
      fs.writeFileSync(tmp, content, { mode: 0o755 });
      fs.renameSync(tmp, file);
    }
  }
  return target.dir;
}
