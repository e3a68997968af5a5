/** Finds the built webview bundle (media/webview/plots.js and plots.css) from wherever this code runs. */
import fs from 'node:fs';
import path from 'node:path';
import { ReportError } from './reportData';

export interface WebviewAssets {
  script: string;
  style: string;
}

const SCRIPT = path.join('media', 'webview', 'plots.js');
const STYLE = path.join('media', 'webview', 'plots.css');

/**
 * @param assetsRoot the package root holding `media/webview/`; default: the nearest such folder
 *   above this file (dist/ for the bundled CLI, out/src/report/ for tests).
 */
export function loadWebviewAssets(assetsRoot?: string): WebviewAssets {
  const root = assetsRoot ?? findRoot();
  const read = (rel: string) => {
    const file = path.join(root, rel);
    try {
      return fs.readFileSync(file, 'utf8');
    } catch {
      throw new ReportError(`the plots bundle ${file} is missing: build it with \`npm run build\``);
    }
  };
  return { script: read(SCRIPT), style: read(STYLE) };
}

function findRoot(): string {
  let dir = __dirname;
  for (let i = 0; i < 6; i++) {
    if (fs.existsSync(path.join(dir, SCRIPT))) return dir;
    dir = path.dirname(dir);
  }
  throw new ReportError(`the plots bundle ${SCRIPT} was not found above ${__dirname}: build it with \`npm run build\``);
}
