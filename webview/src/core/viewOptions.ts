/**
 * The user's choices in the panel (smoothing, axes, probe step, hidden runs), their defaults and
 * the check of what getState returned. Pure: no DOM.
 */
import { DEFAULT_SMOOTHING } from '../../../src/protocol/smoothing';

/** The user's choices in the panel; persisted with vscode.getState/setState. */
export interface ViewOptions {
  /** EMA weight in [0, 0.99]; 0 = off. Applies to training series. */
  smoothing: number;
  logY: boolean;
  xAxis: 'step' | 'wallTime';
  /** Which probe the probe charts show: the latest at or before this step; null = the latest. */
  probeStep: number | null;
  /** Runs unticked in the run table. */
  hiddenRuns: string[];
}

export const DEFAULT_VIEW_OPTIONS: ViewOptions = {
  smoothing: DEFAULT_SMOOTHING,
  logY: false,
  xAxis: 'step',
  probeStep: null,
  hiddenRuns: [],
};

/** Accepts whatever getState returned (older versions, hand edits) and fills in defaults. */
export function sanitizeViewOptions(raw: unknown): ViewOptions {
  const o = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  const smoothing = typeof o.smoothing === 'number' && Number.isFinite(o.smoothing) ? o.smoothing : DEFAULT_VIEW_OPTIONS.smoothing;
  return {
    smoothing: Math.min(Math.max(smoothing, 0), 0.99),
    logY: typeof o.logY === 'boolean' ? o.logY : DEFAULT_VIEW_OPTIONS.logY,
    xAxis: o.xAxis === 'wallTime' ? 'wallTime' : 'step',
    probeStep: typeof o.probeStep === 'number' && Number.isFinite(o.probeStep) ? o.probeStep : null,
    hiddenRuns: Array.isArray(o.hiddenRuns) ? o.hiddenRuns.filter((x): x is string => typeof x === 'string') : [],
  };
}
