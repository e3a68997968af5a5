/**
 * `hrnn validate <file...>`: checks experiment files without running anything. Prints one
 * `file:line:col: error: message` line per problem (warnings too, which do not fail), or
 * `file: ok` (with the number of runs a sweep expands to). Exit code 0 when every file is valid.
 */
import { formatProblem } from '../../experiment/problems';
import { loadExperimentFile } from '../../experiment/load';

export interface ValidateIo {
  out(line: string): void;
  err(line: string): void;
}

export function runValidate(files: readonly string[], io: ValidateIo): number {
  if (files.length === 0) {
    io.err('usage: hrnn validate <experiment.hrnn.yaml...>');
    return 1;
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
  return failed ? 1 : 0;
}
