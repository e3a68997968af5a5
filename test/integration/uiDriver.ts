/**
 * Client of the UI driver that scripts/run-vscode-tests.mjs serves (see the top of that file): UI
 * steps the extension host cannot do itself (typing in the command palette, reading the webview
 * frame, screenshots, reloading the window), performed by playwright in the launcher. Absent when
 * the suite runs elsewhere (e.g. @vscode/test-cli in desktop VS Code): tests then fall back to the
 * API, or skip what only the UI can show.
 */
export interface CanvasInfo {
  chart: string;
  width: number;
  height: number;
  visible: boolean;
  /** Pixels with alpha > 0 (-1 when unreadable). */
  painted: number;
  /** Distinct colours among them (4 bits per channel). */
  colors: number;
}

export interface WebviewInfo {
  found: boolean;
  canvases: CanvasInfo[];
  text?: string;
}

export interface ScreenshotInfo {
  file: string;
  width: number;
  height: number;
  distinctColors: number;
  /** Share of pixels that differ from the most common colour. */
  nonBackgroundFraction: number;
}

export interface DriverState<T> {
  phase: 1 | 2;
  data: T | null;
  outputDir: string;
}

export class UiDriver {
  private constructor(private readonly url: string) {}

  static fromEnv(): UiDriver | undefined {
    const url = process.env.HRNN_UI_DRIVER;
    return url ? new UiDriver(url) : undefined;
  }

  async call<T>(name: string, body: unknown = {}): Promise<T> {
    const res = await fetch(`${this.url}/${name}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const value = (await res.json()) as T & { error?: string };
    if (!res.ok) throw new Error(`UI driver /${name}: ${value.error ?? res.status}`);
    return value;
  }

  /** Types `text` in the command palette and picks the row labelled `label`. */
  palette(text: string, label?: string): Promise<{ attempts: number }> {
    return this.call('palette', { text, label });
  }

  async notifications(): Promise<string[]> {
    return (await this.call<{ messages: string[] }>('notifications')).messages;
  }

  async query(selector: string): Promise<Array<{ text: string; ariaLabel: string }>> {
    return (await this.call<{ elements: Array<{ text: string; ariaLabel: string }> }>('query', { selector })).elements;
  }

  webview(): Promise<WebviewInfo> {
    return this.call('webview');
  }

  /** Clicks the button labelled `text` in the plots webview, as a person would. */
  async webviewClick(text: string): Promise<void> {
    await this.call('webviewClick', { text });
  }

  screenshot(name: string, target: 'page' | 'webview'): Promise<ScreenshotInfo> {
    return this.call('screenshot', { name, target });
  }

  state<T>(): Promise<DriverState<T>> {
    return this.call('state');
  }

  /** Asks for "Developer: Reload Window"; this extension host ends soon after. */
  reload(data: unknown): Promise<unknown> {
    return this.call('reload', { data });
  }

  async log(message: string): Promise<void> {
    await this.call('log', { message }).catch(() => undefined);
  }
}

export const driver = UiDriver.fromEnv();
