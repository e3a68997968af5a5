/**
 * `hrnn validate <file...>`: checks experiment files without running anything. Prints one
 * `file:line:col: error: message` line per problem (warnings too, which do not fail), or
 * `file: ok` (with the number of runs a sweep expands to). Exit code 0 when every file is valid,
 * 1 when one is not, 2 for a usage mistake.
 */
import { formatProblem } from '../../experiment/problems';
import { loadExperimentFile } from '../../experiment/load';
import { parseCommandLine, usageErrorLine, usageText, UsageError } from '../args';
import { VALIDATE_COMMAND } from '../commandSpecs';
import { EXIT } from '../io';

export interface ValidateIo {
  out(line: string): void;
  err(line: string): void;
}

/** `argv`: the files (and options) after `hrnn validate`. */
export function runValidate(argv: readonly string[], io: ValidateIo): number {
  let files: string[];
  try {
    const parsed = parseCommandLine(argv, VALIDATE_COMMAND);
    if (parsed.help) {
      io.out(usageText(VALIDATE_COMMAND));
      return EXIT.ok;
    }
    if (parsed.positionals.length === 0) throw new UsageError('give at least one experiment file');
    files = parsed.positionals;
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.err(usageErrorLine('validate', error));
    return EXIT.usage;
  }
  let failed = false;
  for (const file of files) {
    try {
      const result = loadExperimentFile(file);
      if (result.ok) {
        for (const warning of result.warnings) io.err(formatProblem(file, warning));
        const runs = result.runs !== undefined ? ` (sweep: ${result.runs.length} run${result.runs.length === 1 ? '' : 's'})` : '';
        io.out(`${file}: ok${runs}`);
      } else {
        failed = true;
        for (const problem of result.problems) io.err(formatProblem(file, problem));
      }
    } catch (error) {
      // A bug of ours must still read as one line, never as a stack trace.
      failed = true;
      io.err(`${file}:1:1: error: internal error while validating: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return failed ? EXIT.failed : EXIT.ok;
}
