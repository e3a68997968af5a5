import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runReport } from '../../../src/cli/commands/report';
import { REPORT_DATA_ELEMENT_ID, type ReportPayload } from '../../../src/protocol/webview';
import { renderReportHtml } from '../../../src/report/renderReport';
import { loadReportSnapshot, ReportError } from '../../../src/report/reportData';
import { writeFixtureRuns, type FixtureRuns } from '../../fixtures/runs/fixtureRuns';
import { LONG_RUN, writeLongRun } from '../../fixtures/runs/longRunWriter';
import { bucketsFor } from '../../../src/protocol/seriesReduction';
import { DEFAULT_SMOOTHING } from '../../../src/protocol/smoothing';

function payloadOf(html: string): ReportPayload {
  const m = new RegExp(`<script type="application/json" id="${REPORT_DATA_ELEMENT_ID}">([^]*?)</script>`).exec(html);
  assert.ok(m, 'the data block is there');
  return JSON.parse(m[1]) as ReportPayload;
}

describe('report: self-contained HTML of run folders', function () {
  let dir: string;
  let fx: FixtureRuns;

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hrnn-report-'));
    fx = writeFixtureRuns(dir);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('inlines the snapshot of every run, with the sweep points', () => {
    const html = renderReportHtml([fx.hamiltonian, fx.tanh, fx.sweep], { generatedAt: new Date('2026-01-02T03:04:05Z') });
    const { snapshot, generatedAt } = payloadOf(html);
    assert.equal(generatedAt, '2026-01-02T03:04:05.000Z');
    assert.equal(snapshot.type, 'snapshot');
    assert.equal(snapshot.runs.length, 2 + fx.sweepRuns.length);
    const ham = snapshot.runs.find((r) => r.runId === 'fixture-ham-1');
    assert.equal(ham?.train.length, fx.counts['fixture-ham-1'].train);
    assert.equal(ham?.eval.length, fx.counts['fixture-ham-1'].eval.test);
    assert.equal(ham?.probes.length, fx.counts['fixture-ham-1'].probes);
    assert.deepEqual(
      snapshot.runs.map((r) => r.colorIndex),
      snapshot.runs.map((_, i) => i),
      'distinct colours',
    );
    assert.equal(snapshot.sweep.length, fx.sweepRuns.length);
    assert.deepEqual(
      snapshot.sweep.map((p) => p.tau),
      [0.001, 0.005, 0.02, 0.1, 0.5],
    );
    assert.ok(snapshot.sweep.every((p) => p.metricName === 'accuracy' && typeof p.metric === 'number'));
    assert.match(snapshot.runs.find((r) => r.runId === 'fixture-sweep/fixture-sweep-1')!.label, /tau=0\.005/);
    assert.match(snapshot.title, /hamiltonian-adding-T100.*sweep psmnist-tau-sweep/);
  });

  it('goes in reduced for a long run, as the panel gets it: min-max buckets, every record counted, smoothing from the full series', () => {
    const runDir = writeLongRun(path.join(dir, 'long'), 'long-20261203-000000-beef', 50_000, 0);
    const run = loadReportSnapshot([runDir], { maxPointsPerLine: 1000 }).runs[0];
    assert.ok(run.train.length > 100 && run.train.length <= 5 * bucketsFor(1000), `${run.train.length} train rows`);
    assert.equal(run.trainReduction?.total, 50_000);
    assert.equal(run.trainReduction?.smoothing?.weight, DEFAULT_SMOOTHING);
    assert.equal(run.trainReduction?.smoothing?.loss.length, run.train.length);
    // the extremes survive the reduction (the fixture's loss spikes every 250k steps, so its max is the first step's)
    assert.equal(Math.max(...run.train.map((r) => r.loss)), 0.2 / Math.sqrt(1) + 0.01 * Math.sin(0.013));
    assert.equal(run.eval.length, 50_000 / LONG_RUN.evalEvery);
  });

  it('loads nothing from outside: inline script and style under a strict CSP, no URLs to fetch', () => {
    const html = renderReportHtml([fx.hamiltonian]);
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)?.[1] ?? '';
    assert.match(csp, /default-src 'none'/);
    const nonce = /script-src 'nonce-([^']+)'/.exec(csp)?.[1];
    assert.ok(nonce);
    assert.ok(!/ src=/i.test(html.replace(/<script nonce[^]*<\/script>/, '')), 'no src attributes');
    assert.ok(!/<link\b/i.test(html), 'no linked resources');
    assert.ok(!/ href=/i.test(html.replace(/<script nonce[^]*<\/script>/, '')), 'no href attributes');
    assert.ok(!/@import|url\(\s*['"]?https?:/i.test(html), 'no CSS imports or remote url()');
    assert.ok(!/sourceMappingURL/.test(html), 'no source-map link');
    // Exactly the data block and the app script, the latter with the CSP nonce.
    const scripts = html.match(/<script\b[^>]*>/g) ?? [];
    assert.deepEqual(scripts, [`<script type="application/json" id="${REPORT_DATA_ELEMENT_ID}">`, `<script nonce="${nonce}">`]);
    assert.ok(html.includes(`<style nonce="${nonce}">`));
    assert.ok(html.includes('.card-plot'), 'plots.css is inlined');
  });

  it('cannot be broken out of by a run name', () => {
    const evilDir = path.join(dir, 'evil');
    fs.cpSync(fx.hamiltonian, evilDir, { recursive: true });
    const file = path.join(evilDir, 'summary.json');
    const s = JSON.parse(fs.readFileSync(file, 'utf8'));
    s.name = '</script><script>alert(1)</script>\u2028';
    s.runId = 'evil';
    fs.writeFileSync(file, JSON.stringify(s));
    const html = renderReportHtml([evilDir]);
    assert.equal((html.match(/<\/script>/g) ?? []).length, 2, 'only the two real script blocks end');
    assert.equal(payloadOf(html).snapshot.runs[0].summary.name, s.name, 'the name reads back intact');
    assert.ok(!html.includes('<title></script>'));
  });

  it('says clearly what is wrong with a folder', () => {
    const fail = (dirs: string[]) => {
      try {
        loadReportSnapshot(dirs);
      } catch (e) {
        assert.ok(e instanceof ReportError, `a ReportError, not ${String(e)}`);
        assert.ok(!e.message.includes('\n'), 'one line');
        return e.message;
      }
      assert.fail('expected an error');
    };
    assert.match(fail([path.join(dir, 'nope')]), /nope: no such folder/);
    assert.match(fail([path.join(fx.hamiltonian, 'metrics.jsonl')]), /metrics\.jsonl: not a folder/);
    assert.match(fail([dir]), /not a run folder \(no summary\.json\) or a sweep folder \(no sweep\.json\); it holds \d+ run or sweep folders/);
    const empty = fs.mkdtempSync(path.join(dir, 'empty-'));
    assert.match(fail([empty]), /not a run folder/);
    const broken = path.join(dir, 'broken-sweep');
    fs.mkdirSync(broken);
    fs.writeFileSync(path.join(broken, 'sweep.json'), '{ not json');
    assert.match(fail([broken]), /sweep\.json: not a valid sweep summary/);
    assert.match(fail([]), /no run or sweep folder given/);
  });

  it('reads a run only once when given directly and through its sweep', () => {
    const snap = loadReportSnapshot([fx.sweepRuns[0], fx.sweep]);
    assert.equal(snap.runs.length, fx.sweepRuns.length);
  });
});

describe('report: hrnn report command', () => {
  let dir: string;
  let fx: FixtureRuns;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hrnn-report-cli-'));
    fx = writeFixtureRuns(dir);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  const call = async (args: string[]) => {
    let out = '';
    let err = '';
    const code = await runReport(args, { out: (s) => (out += s), err: (s) => (err += s) });
    return { code, out, err };
  };

  it('writes the page where --out says and reports the size', async () => {
    const file = path.join(dir, 'sub', 'r.html');
    const r = await call([fx.sweep, '--out', file, '--title', 'Tau window', '--theme', 'dark']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^wrote .*r\.html \(\d+ KB\)\n$/);
    const html = fs.readFileSync(file, 'utf8');
    assert.equal(payloadOf(html).snapshot.title, 'Tau window');
    assert.equal(payloadOf(html).theme, 'dark');
    assert.match(payloadOf(html).generator, /^hrnn report \d/);
  });

  it('fails with one line and exit 1 on a bad folder, exit 2 on bad usage', async () => {
    const missing = await call([path.join(dir, 'missing'), '--out', path.join(dir, 'x.html')]);
    assert.equal(missing.code, 1);
    assert.match(missing.err, /^hrnn report: .*missing: no such folder\n$/);
    assert.equal(fs.existsSync(path.join(dir, 'x.html')), false, 'nothing written');
    assert.equal((await call([])).code, 2);
    const theme = await call([fx.tanh, '--theme', 'blue']);
    assert.equal(theme.code, 2);
    assert.match(theme.err, /--theme must be auto, light or dark/);
    assert.equal((await call([fx.tanh, '--max-points', '5'])).code, 2);
    assert.equal((await call([fx.tanh, '--bogus'])).code, 2);
    const help = await call(['--help']);
    assert.equal(help.code, 0);
    assert.match(help.out, /usage: hrnn report/);
  });
});
