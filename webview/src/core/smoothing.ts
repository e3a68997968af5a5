/**
 * The panel's smoothing: the debiased EMA of src/protocol/smoothing.ts (one implementation for the
 * webview and for the host, which smooths long runs before reducing them).
 */
export { debiasedEma } from '../../../src/protocol/smoothing';
