/**
 * What `activate` returns: the extension's parts, for the integration tests (which run in the same
 * extension host) and for other extensions that want to follow training. Read-mostly: the
 * commands remain the way to act.
 */
import type { Notifier } from './notifier';
import type { PlotsPanelManager } from './plots/plotsPanelManager';
import type { RunsTreeProvider } from './runsView/runsTree';
import type { SlurmController } from './slurm/slurmController';
import type { TrainingSupervisor } from './training/supervisor';

export interface HamiltonianRnnApi {
  readonly supervisor: TrainingSupervisor;
  readonly plots: PlotsPanelManager;
  readonly runsView: RunsTreeProvider;
  readonly notifier: Notifier;
  /** The status bar text while training ('' when hidden). */
  statusBarText(): string;
  /** Whether the experiment editor support (diagnostics, completion, hover) is wired in. */
  readonly editorSupport: boolean;
  /** The folder of the `hrnn` launchers that the terminals' PATH starts with. */
  readonly terminalBinDir: string;
  /** Where "Build Native Kernel" puts the addon for this version and platform (it may not exist). */
  readonly nativeAddonPath: string;
  /** Train on Slurm, Cancel Sweep, and following cluster sweeps. */
  readonly slurm: SlurmController;
}
