/**
 * The energy-drift chart (issue 11): what the symplectic claim looks like. From each run's selected
 * probe, the free run of the trained cell with its input held constant: the relative error of H and
 * of the modified energy H~ under symplectic Euler, next to forward Euler's H on the same vector
 * field, against the free-run step n (log scale: H~ stays flat at O(tau^2), forward Euler climbs).
 * Drawn only for runs that recorded it (`probes.freeRunSteps`). Pure: no DOM, no Chart.js.
 */
import type { RunSeries } from '../../../src/protocol/webview';
import { probeLines, probeSubtitle, type ChartSpec } from './chartModel';
import type { ViewOptions } from './viewOptions';

const DASH_MODIFIED = [6, 3];
const DASH_EULER = [2, 3];

export function energyDriftChart(runs: readonly RunSeries[], view: ViewOptions): ChartSpec {
  return {
    id: 'energyDrift',
    title: 'Energy drift of a free run: symplectic vs forward Euler',
    subtitle: `${probeSubtitle(view, runs)} · input held constant · relative error of H (solid), H̃ (dashed), forward Euler's H (dotted) · log scale`,
    xTitle: 'free-run step n',
    xName: 'n',
    yTitle: '|Eₙ − E₀| / |E₀|',
    xScale: 'linear',
    yScale: 'logarithmic',
    xFormat: 'number',
    yFormat: 'number',
    series: probeLines(
      runs,
      view,
      (p) => [
        { series: 'symplecticEnergyError', values: p.freeRun?.symplecticEnergyError, suffix: ' · symplectic H', dash: [] },
        { series: 'symplecticModifiedEnergyError', values: p.freeRun?.symplecticModifiedEnergyError, suffix: ' · symplectic H̃', dash: DASH_MODIFIED },
        { series: 'eulerEnergyError', values: p.freeRun?.eulerEnergyError, suffix: ' · forward Euler H', dash: DASH_EULER },
      ],
      false,
    ),
  };
}
