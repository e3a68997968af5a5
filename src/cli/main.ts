/**
 * The `hrnn` command line: train, validate and report, with the same engine and experiment files
 * as the VS Code extension. Each command's options and usage text come from one table
 * (commandSpecs.ts); the process exits only once everything written has left it.
 */
import { packageVersion } from '../engine/packageInfo';
import { closestMatch } from '../experiment/didYouMean';
import { usageErrorLine, usageText, UsageError, type CommandSpec } from './args';
import { CANCEL_COMMAND, COMMANDS, REPORT_COMMAND, RUNS_COMMAND, TRAIN_COMMAND, VALIDATE_COMMAND } from './commandSpecs';
import { EXIT, processIo, type CliIo } from './io';
import { useTrainingHeapSettings } from './trainingHeap';

function commandList(): string {
  const rows = COMMANDS.map((spec) => [`${spec.name} ${spec.synopsis.replace(/\s*\[options\]$/u, '')}`, spec.summary]);
  rows.push(['help <command>', 'the options of a command (the same as hrnn <command> --help)']);
  const column = 31;
  return rows.map(([left, right]) => (left.length + 2 > column ? `  ${left}\n  ${' '.repeat(column)}${right}` : `  ${left.padEnd(column)}${right}`)).join('\n');
}

const USAGE = () => `Hamiltonian RNN Lab ${packageVersion()}: train and inspect Hamiltonian RNNs

usage: hrnn <command> [options]

commands:
${commandList()}

${usageText(TRAIN_COMMAND)}

exit codes: 0 completed (or stopped by the user), 1 invalid experiment or failed run,
            2 usage error, 3 the run diverged (non-finite loss)`;

type Command = (argv: readonly string[], io: CliIo) => Promise<number> | number;

/** The commands' code, loaded when used (validate and report need no TensorFlow.js). */
const LOADERS: Record<string, () => Promise<Command>> = {
  [TRAIN_COMMAND.name]: async () => {
    const { runTrain } = await import('./commands/train');
    return runTrain;
  },
  [VALIDATE_COMMAND.name]: async () => {
    const { runValidate } = await import('./commands/validate');
    // runValidate writes whole lines.
    return (argv, io) => runValidate(argv, { out: (l) => io.out(l + '\n'), err: (l) => io.err(l + '\n') });
  },
  [RUNS_COMMAND.name]: async () => {
    const { runRuns } = await import('./commands/runs');
    return runRuns;
  },
  [REPORT_COMMAND.name]: async () => {
    const { runReport } = await import('./commands/report');
    return (argv, io) => runReport([...argv], io);
  },
  [CANCEL_COMMAND.name]: async () => {
    const { runCancel } = await import('./commands/cancel');
    return runCancel;
  },
};

function findCommand(name: string): CommandSpec | undefined {
  return COMMANDS.find((spec) => spec.name === name);
}

function unknownCommand(name: string, io: CliIo): number {
  const close = closestMatch(
    name,
    COMMANDS.map((c) => c.name),
  );
  const names = COMMANDS.map((c) => c.name).join(', ');
  io.err(`hrnn: unknown command "${name}"${close ? `; did you mean "${close}"?` : ''} (commands: ${names}; see hrnn --help)\n`);
  return EXIT.usage;
}

export async function main(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h') {
    io.out(USAGE() + '\n');
    return name ? EXIT.ok : EXIT.usage;
  }
  if (name === 'help') {
    if (rest.length === 0) {
      io.out(USAGE() + '\n');
      return EXIT.ok;
    }
    const spec = findCommand(rest[0]);
    if (!spec) return unknownCommand(rest[0], io);
    io.out(usageText(spec) + '\n');
    return EXIT.ok;
  }
  if (name === '--version' || name === '-v') {
    io.out(packageVersion() + '\n');
    return EXIT.ok;
  }
  const spec = findCommand(name);
  if (!spec) return unknownCommand(name, io);
  try {
    const command = await LOADERS[spec.name]();
    return await command(rest, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(usageErrorLine(name, e) + '\n');
      return EXIT.usage;
    }
    // Anything else is a bug in hrnn, not in the user's file: say so briefly, keep the stack for reports.
    io.err(
      `hrnn ${name}: internal error: ${(e as Error).message}\n${process.env.HRNN_DEBUG ? (e as Error).stack + '\n' : '(set HRNN_DEBUG=1 for the stack trace)\n'}`,
    );
    return EXIT.failed;
  }
}

/**
 * Resolves once everything written to `stream` so far has been handed to the system. Through a
 * pipe, writes that do not fit in the pipe's buffer wait in the process; exiting before they leave
 * loses them (output cut at 64 KiB). A closed reader (`| head`) ends the wait too.
 */
function drained(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => {
    if (stream.destroyed || stream.writableLength === 0) return resolve();
    stream.once('error', () => resolve());
    stream.write('', () => resolve());
  });
}

/** Exits with `code` once stdout and stderr are flushed. */
async function exitWhenFlushed(code: number): Promise<never> {
  process.exitCode = code;
  await Promise.all([drained(process.stdout), drained(process.stderr)]);
  // Exit explicitly: tfjs' wasm backend and IPC channels keep the event loop alive.
  process.exit(code);
}

/** Runs the command line of this process and exits with its code, after its output has left. */
export function runCli(argv: readonly string[] = process.argv.slice(2)): void {
  // This process trains: V8's heap settings for that, before the engine allocates anything.
  if (argv[0] === TRAIN_COMMAND.name) useTrainingHeapSettings();
  // A reader that goes away (`hrnn validate ... | head -1`) is no error of ours: stop writing quietly.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code !== 'EPIPE') throw e;
    });
  }
  main(argv).then(
    (code) => exitWhenFlushed(code),
    (e) => {
      process.stderr.write(`hrnn: ${(e as Error).message}\n`);
      return exitWhenFlushed(EXIT.failed);
    },
  );
}

// `node dist/cli.js ...` (how the extension and --parallel sweeps start a trainer process).
if (require.main === module) runCli();
