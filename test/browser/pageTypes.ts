/**
 * The browser globals the tests touch inside `page.evaluate` callbacks, typed narrowly: the project
 * compiles without the DOM library, and these callbacks run in the page, not in Node. Test files
 * bind them with module-local `declare const document: PageDocument` etc., which emit nothing.
 */
import type { WebviewToHost } from '../../src/protocol/webview';

export interface ChartHandle {
  chartArea: { left: number; top: number; width: number; height: number };
  scales: Record<string, { type: string; min: number; max: number }>;
  isZoomedOrPanned(): boolean;
  zoomScale(id: string, range: { min: number; max: number }): void;
  data: { datasets: unknown[] };
  options: { color?: unknown };
  legend: { legendItems: Array<{ text: string }> };
}

export interface PageContext2D {
  getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> };
}

export interface PageElement {
  value: string;
  width: number;
  clientWidth: number;
  hrnnChart?: ChartHandle;
  getContext(kind: '2d'): PageContext2D | null;
  dispatchEvent(event: unknown): boolean;
}

export interface PageDocument {
  querySelector(selector: string): PageElement | null;
  getElementById(id: string): PageElement | null;
  addEventListener(type: 'securitypolicyviolation', listener: (e: { violatedDirective: string; blockedURI: string }) => void): void;
  body: { classList: { contains(name: string): boolean } };
}

export interface PageWindow {
  postMessage(message: unknown, targetOrigin: string): void;
  hrnnOutbox?: WebviewToHost[];
  __posted?: WebviewToHost[];
  __state?: unknown;
  acquireVsCodeApi?: () => { postMessage(m: unknown): void; getState(): unknown; setState(s: unknown): void };
}

export type PageEventConstructor = new (type: string) => unknown;
