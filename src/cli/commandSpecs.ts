/**
 * The option table of every hrnn command: what `hrnn <command>` accepts and what its `--help`
 * says (args.ts turns one table into both). Kept apart from the commands so that `hrnn --help`
 * and `hrnn help <command>` need not load a command's code. Depends on nothing but args.ts.
 */
import type { CommandSpec } from './args';

export const TRAIN_COMMAND: CommandSpec = {
  name: 'train',
  synopsis:
    '<experiment.yaml> [options]\n       hrnn train --resume <run-folder> [--set training.steps=N] [options]\n       hrnn train --resume <sweep-folder> --executor slurm [--set ...]',
  summary: 'train one experiment (or every run of its sweep) into a run folder',
  description: `Validates the experiment, checks that it fits in this machine's memory, then trains
and writes a run folder (a sweep folder for a sweep). Progress goes to stderr, the
folder's path to stdout.`,
  options: {
    resume: {
      value: 'RUN_DIR',
      help: 'continue a stopped or crashed run from its checkpoint (with --set training.steps=N: extend a finished one); a Slurm sweep folder: resubmit its members that did not complete',
    },
    'runs-dir': { value: 'DIR', help: 'where run folders go (default: runs/ beside the experiment file)' },
    set: { value: 'path=value', repeatable: true, help: 'override a key, e.g. --set training.steps=60 (repeatable)' },
    backend: { value: 'NAME', help: 'auto | tensorflow-gpu | tensorflow | wasm | cpu (same as --set backend=NAME)' },
    parallel: { value: 'N', help: 'sweeps: run N runs at a time, each in its own process (default 1; at most the core count without --force)' },
    json: { help: 'print metric records as JSON lines on stdout instead of a progress bar' },
    force: { help: "train even when the memory estimate is more than this machine's memory, or --parallel more than its cores" },
    executor: { value: 'local|slurm', help: "sweeps: where the runs train (default: the experiment's executor.kind, else local); slurm submits one job array" },
    detach: { help: 'with --executor slurm: return after submission (prints the job id and the sweep folder) instead of following the runs' },
    ipc: { help: 'talk to a parent process over the Node IPC channel (used by the VS Code extension)' },
    // Internal: one run of a sweep, started by the sweep's parent process with --parallel.
    'sweep-dir': { value: 'DIR' },
    'sweep-index': { value: 'I' },
    // Internal: one run of a sweep as a batch-system task (a Slurm array task).
    'executor-task': { value: 'KIND' },
  },
};

export const VALIDATE_COMMAND: CommandSpec = {
  name: 'validate',
  synopsis: '<experiment.yaml...> [options]',
  summary: 'check experiment files; one line per problem as file:line:col',
  description: `Checks experiment files without running anything. Prints one line per problem,
file:line:col: error: message, on stderr (warnings too, which do not fail), or
"file: ok" on stdout. Exit code 0 when every file is valid, 1 otherwise.`,
  options: {},
};

export const RUNS_COMMAND: CommandSpec = {
  name: 'runs',
  synopsis: '[folder...] [options]',
  summary: 'list runs below folders (default: here): status, steps, metric',
  description: `Lists every run and sweep below the given folders (default: the current folder), newest first:
status (running, completed, stopped, failed, diverged, or crashed when its trainer is gone),
steps done, and the headline metric. Runs are found in any folder (runs/, examples/runs/, ...)
except dependency, build and hidden folders: the same rule as the VS Code runs view.`,
  options: {
    json: { help: 'one JSON object per run and line (runId, dir, status, stepsDone, ...)' },
    exclude: {
      value: 'GLOB',
      repeatable: true,
      help: 'skip folders matching GLOB (relative to the folder searched), besides node_modules, hidden, out, dist, build, ... (repeatable)',
    },
  },
};

export const REPORT_COMMAND: CommandSpec = {
  name: 'report',
  synopsis: '<run-or-sweep-folder...> [options]',
  summary: 'write the plots of runs as one self-contained HTML page',
  description: `Writes the plots of the given runs (a sweep folder brings all its runs and the
final-metric-against-tau chart) as one HTML file that needs no network.`,
  options: {
    out: { value: 'FILE', help: 'where to write (default: hrnn-report.html in the current folder)' },
    title: { value: 'TEXT', help: 'page title (default: from the runs)' },
    theme: { value: 'auto|light|dark', help: 'colour scheme (default auto: follows the browser)' },
    'max-points': { value: 'N', help: 'points drawn per line before min-max decimation (default 2000)' },
  },
};

export const CANCEL_COMMAND: CommandSpec = {
  name: 'cancel',
  synopsis: '<sweep-folder...> [options]',
  summary: "cancel a sweep's queued and running members (scancel for a Slurm sweep)",
  description: `Cancels the members of a sweep that are queued or running: a sweep submitted to Slurm
has its job array cancelled (scancel); a local sweep's running trainers are asked to stop
(SIGTERM). Running members stop cleanly with a checkpoint; hrnn train --resume continues them.
Waits until Slurm has ended the tasks and records how each ended in its run folder.`,
  options: {},
};

/** Every command, in the order `hrnn --help` lists them. */
export const COMMANDS: readonly CommandSpec[] = [TRAIN_COMMAND, VALIDATE_COMMAND, RUNS_COMMAND, REPORT_COMMAND, CANCEL_COMMAND];
