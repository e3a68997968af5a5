/**
 * `hrnn report <run-or-sweep-folder...> [--out file.html]`: the plots of runs as one
 * self-contained HTML page (the editor panel's bundle with the data inlined), for servers and CI.
 */
import fs from 'node:fs';
import path from 'node:path';
import { packageVersion } from '../../engine/packageInfo';
import { renderReportHtml } from '../../report/renderReport';
import { ReportError } from '../../report/reportData';
import { parseArgs, single, UsageError } from '../args';
import { EXIT, type CliIo } from '../io';

export const REPORT_USAGE = `usage: hrnn report <run-or-sweep-folder...> [options]

Writes the plots of the given runs (a sweep folder brings all its runs and the
final-metric-against-tau chart) as one HTML file that needs no network.

options:
  --out FILE          where to write (default: hrnn-report.html in the current folder)
  --title TEXT        page title (default: from the runs)
  --theme auto|light|dark
                      colour scheme (default auto: follows the browser)
  --max-points N      points drawn per line before min-max decimation (default 2000)
  --help              this text`;

export async function runReport(args: string[], io: CliIo): Promise<number> {
  try {
    const parsed = parseArgs(args, {
      out: { value: true },
      title: { value: true },
      theme: { value: true },
      'max-points': { value: true },
      help: { value: false },
    });
    if (parsed.flags.has('help')) {
      io.out(REPORT_USAGE + '\n');
      return EXIT.ok;
    }
    if (parsed.positionals.length === 0) throw new UsageError('give at least one run or sweep folder (see hrnn report --help)');
    const theme = single(parsed, 'theme') ?? 'auto';
    if (theme !== 'auto' && theme !== 'light' && theme !== 'dark') {
      throw new UsageError(`--theme must be auto, light or dark, not "${theme}"`);
    }
    const maxPointsText = single(parsed, 'max-points');
    const maxPoints = maxPointsText === undefined ? undefined : Number(maxPointsText);
    if (maxPoints !== undefined && !(Number.isInteger(maxPoints) && maxPoints >= 100)) {
      throw new UsageError(`--max-points must be an integer >= 100, not "${maxPointsText}"`);
    }
    const out = path.resolve(single(parsed, 'out') ?? 'hrnn-report.html');
    const html = renderReportHtml(parsed.positionals, {
      title: single(parsed, 'title'),
      theme,
      maxPointsPerLine: maxPoints,
      generator: `hrnn report ${packageVersion()}`,
    });
    try {
      fs.mkdirSync(path.dirname(out), { recursive: true });
      fs.writeFileSync(out, html);
    } catch (e) {
      throw new ReportError(`${out}: cannot write (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
    io.out(`wrote ${out} (${Math.round(html.length / 1024)} KB)\n`);
    return EXIT.ok;
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`hrnn report: ${e.message}\n`);
      return EXIT.usage;
    }
    if (e instanceof ReportError) {
      io.err(`hrnn report: ${e.message}\n`);
      return EXIT.failed;
    }
    throw e;
  }
}
