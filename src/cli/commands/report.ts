/**
 * `hrnn report <run-or-sweep-folder...> [--out file.html]`: the plots of runs as one
 * self-contained HTML page (the editor panel's bundle with the data inlined), for servers and CI.
 */
import fs from 'node:fs';
import path from 'node:path';
import { packageVersion } from '../../engine/packageInfo';
import { renderReportHtml } from '../../report/renderReport';
import { ReportError } from '../../report/reportData';
import { parseCommandLine, single, usageErrorLine, usageText, UsageError } from '../args';
import { REPORT_COMMAND } from '../commandSpecs';
import { EXIT, type CliIo } from '../io';

export const REPORT_USAGE = usageText(REPORT_COMMAND);

export async function runReport(args: string[], io: CliIo): Promise<number> {
  try {
    const parsed = parseCommandLine(args, REPORT_COMMAND);
    if (parsed.help) {
      io.out(REPORT_USAGE + '\n');
      return EXIT.ok;
    }
    if (parsed.positionals.length === 0) throw new UsageError('give at least one run or sweep folder');
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
      io.err(usageErrorLine('report', e) + '\n');
      return EXIT.usage;
    }
    if (e instanceof ReportError) {
      io.err(`hrnn report: ${e.message}\n`);
      return EXIT.failed;
    }
    throw e;
  }
}
