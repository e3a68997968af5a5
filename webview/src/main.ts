/**
 * Entry of the plots webview (bundled to media/webview/plots.js as an IIFE). Runs inside a VS Code
 * webview, or in the standalone HTML report of `hrnn report`. Imports src/protocol only.
 */
import { WEBVIEW_ROOT_ID, type HostMessage } from '../../src/protocol/webview';
import { App } from './ui/app';
import { connectHost } from './ui/hostApi';

/** When this script started running (performance.now), for `ready`'s timing. */
const scriptStart = performance.now();

function start(): void {
  let root = document.getElementById(WEBVIEW_ROOT_ID);
  if (!root) {
    root = document.createElement('div');
    root.id = WEBVIEW_ROOT_ID;
    document.body.appendChild(root);
  }
  let app: App | undefined;
  const early: HostMessage[] = [];
  const api = connectHost((msg) => (app ? app.onMessage(msg) : early.push(msg)));
  app = new App(root, api);
  for (const msg of early) app.onMessage(msg);
  const epoch = (ms: number) => performance.timeOrigin + ms;
  const loading = {
    pageStartAt: performance.timeOrigin,
    scriptAt: epoch(scriptStart),
    readyAt: epoch(performance.now()),
    resources: performance
      .getEntriesByType('resource')
      .map((e) => ({ name: e.name.split('/').pop() ?? '', startAt: epoch(e.startTime), endAt: epoch((e as PerformanceResourceTiming).responseEnd) })),
  };
  api.postMessage({ type: 'ready', smoothing: app.smoothing, loading });
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
else start();
