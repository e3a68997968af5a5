/**
 * The webview's link to its host: VS Code's `acquireVsCodeApi()` inside the editor, or, in the
 * standalone HTML report, an adapter that plays the host from the inlined snapshot (so one bundle
 * serves both; the report needs no inline script).
 */
import { REPORT_DATA_ELEMENT_ID, type HostMessage, type ReportPayload, type WebviewToHost } from '../../../src/protocol/webview';

export interface HostApi {
  postMessage(msg: WebviewToHost): void;
  getState(): unknown;
  setState(state: unknown): void;
  /** True in the HTML report: files are downloaded by the browser, there is no run folder to open. */
  readonly standalone: boolean;
  /** Shown under the title (the report says when and by what it was written). */
  readonly note?: string;
}

interface VsCodeApi {
  postMessage(msg: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare global {
  // Provided by VS Code inside webviews.
  function acquireVsCodeApi(): VsCodeApi;
  interface Window {
    /** Standalone report: every message the app posted, for tests and debugging. */
    hrnnOutbox?: WebviewToHost[];
  }
}

export function connectHost(deliver: (msg: HostMessage) => void): HostApi {
  if (typeof acquireVsCodeApi === 'function') {
    const vscode = acquireVsCodeApi();
    window.addEventListener('message', (e: MessageEvent<HostMessage>) => deliver(e.data));
    return {
      postMessage: (msg) => vscode.postMessage(msg),
      getState: () => vscode.getState(),
      setState: (s) => vscode.setState(s),
      standalone: false,
    };
  }
  return standaloneHost(deliver);
}

function standaloneHost(deliver: (msg: HostMessage) => void): HostApi {
  const payload = readPayload();
  followColorScheme(payload?.theme ?? 'auto');
  const outbox: WebviewToHost[] = (window.hrnnOutbox = []);
  let state: unknown;
  const stateKey = `hrnn-report-state:${payload?.snapshot.title ?? ''}`;
  try {
    const saved = sessionStorage.getItem(stateKey);
    state = saved ? JSON.parse(saved) : undefined;
  } catch {
    state = undefined; // storage disabled (file:// in some browsers): state lives for the page only
  }
  // Tests (and the curious) can still talk to the app the way a host would.
  window.addEventListener('message', (e: MessageEvent<HostMessage>) => {
    if (e.source === window && e.data && typeof e.data === 'object' && 'type' in e.data) deliver(e.data);
  });
  const sendSnapshot = () => {
    if (payload) setTimeout(() => deliver(structuredClone(payload.snapshot)), 0);
  };
  return {
    standalone: true,
    note: payload ? `written ${payload.generatedAt.slice(0, 16).replace('T', ' ')} UTC by ${payload.generator}` : undefined,
    getState: () => state,
    setState: (s) => {
      state = s;
      try {
        sessionStorage.setItem(stateKey, JSON.stringify(s));
      } catch {
        // see above
      }
    },
    postMessage: (msg) => {
      outbox.push(msg);
      window.dispatchEvent(new CustomEvent('hrnn-posted', { detail: msg }));
      if (msg.type === 'ready' || msg.type === 'requestSnapshot') sendSnapshot();
      else if (msg.type === 'saveFile') download(msg.suggestedName, msg.format, msg.data);
      else if (msg.type === 'error') console.error(`[hrnn plots] ${msg.message}`);
    },
  };
}

/**
 * Outside VS Code nobody sets the theme classes; set them as VS Code would (`vscode-light` /
 * `vscode-dark` on body), so the same CSS and the same theme observer serve the report.
 */
function followColorScheme(theme: 'auto' | 'light' | 'dark'): void {
  const body = document.body;
  body.classList.add('hrnn-standalone');
  const apply = (dark: boolean) => {
    body.classList.toggle('vscode-dark', dark);
    body.classList.toggle('vscode-light', !dark);
  };
  if (theme !== 'auto') return apply(theme === 'dark');
  const query = window.matchMedia('(prefers-color-scheme: dark)');
  apply(query.matches);
  query.addEventListener('change', (e) => apply(e.matches));
}

function readPayload(): ReportPayload | undefined {
  const el = document.getElementById(REPORT_DATA_ELEMENT_ID);
  if (!el?.textContent) return undefined;
  return JSON.parse(el.textContent) as ReportPayload;
}

function download(name: string, format: 'csv' | 'png', data: string): void {
  const blob =
    format === 'png' ? new Blob([Uint8Array.from(atob(data), (c) => c.charCodeAt(0))], { type: 'image/png' }) : new Blob([data], { type: 'text/csv' });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
