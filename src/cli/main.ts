/**
 * The `hrnn` command line: train, validate and report, with the same engine and experiment files
 * as the VS Code extension.
 */
import { packageVersion } from '../engine/packageInfo';
import { UsageError } from './args';
import { runTrain, TRAIN_USAGE } from './commands/train';
import { EXIT, processIo, type CliIo } from './io';

const USAGE = `Hamiltonian RNN Lab ${packageVersion()}: train and inspect Hamiltonian RNNs

usage: hrnn <command> [options]

commands:
  train <experiment.yaml>        train one experiment (or every run of its sweep) into a run folder
  validate <file...>             check experiment files; one line per problem as file:line:col
  runs [folder...] [--json]      list runs below folders (default: here): status, steps, metric
  report <run-or-sweep-folder...> [--out report.html]
                                 write the plots of runs as one self-contained HTML page

${TRAIN_USAGE}

exit codes: 0 completed (or stopped by the user), 1 invalid experiment or failed run,
            2 usage error, 3 the run diverged (non-finite loss)`;

type Command = (argv: readonly string[], io: CliIo) => Promise<number> | number;

async function loadCommand(name: string): Promise<Command | null> {
  switch (name) {
    case 'train':
      return runTrain;
    case 'validate': {
      const { runValidate } = await import('./commands/validate');
      // runValidate writes whole lines.
      return (argv, io) => runValidate([...argv], { out: (l) => io.out(l + '\n'), err: (l) => io.err(l + '\n') });
    }
    case 'runs': {
      const { runRuns } = await import('./commands/runs');
      return runRuns;
    }
    case 'report': {
      const { runReport } = await import('./commands/report');
      return (argv, io) => runReport([...argv], io);
    }
    default:
      return null;
  }
}

export async function main(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.out(USAGE + '\n');
    return name ? EXIT.ok : EXIT.usage;
  }
  if (name === '--version' || name === '-v') {
    io.out(packageVersion() + '\n');
    return EXIT.ok;
  }
  const command = await loadCommand(name);
  if (!command) {
    io.err(`hrnn: unknown command "${name}" (commands: train, validate, runs, report; see hrnn --help)\n`);
    return EXIT.usage;
  }
  try {
    return await command(rest, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`hrnn ${name}: ${e.message}\n`);
      return EXIT.usage;
    }
    // Anything else is a bug in hrnn, not in the user's file: say so briefly, keep the stack for reports.
    io.err(`hrnn ${name}: internal error: ${(e as Error).message}\n${process.env.HRNN_DEBUG ? (e as Error).stack + '\n' : '(set HRNN_DEBUG=1 for the stack trace)\n'}`);
    return EXIT.failed;
  }
}

/** Runs the command line of this process and exits with its code. */
export function runCli(argv: readonly string[] = process.argv.slice(2)): void {
  main(argv).then(
    (code) => {
      process.exitCode = code;
      // Exit explicitly: tfjs' wasm backend and IPC channels keep the event loop alive.
      setImmediate(() => process.exit(code));
    },
    (e) => {
      process.stderr.write(`hrnn: ${(e as Error).message}\n`);
      process.exit(EXIT.failed);
    },
  );
}

// `node dist/cli.js ...` (how the extension and --parallel sweeps start a trainer process).
if (require.main === module) runCli();
