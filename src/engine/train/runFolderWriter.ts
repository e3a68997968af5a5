/**
 * Writes a run folder as training goes: the resolved experiment, metrics.jsonl appended line by
 * line (each line reaches the OS before the next step, so a crash or a window reload loses
 * nothing written so far), summary.json replaced atomically.
 */
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import type { ResolvedExperiment } from '../../experiment/schema';
import { RUN_FILES, type MetricRecord, type RunSummary } from '../../protocol/records';
import { packageVersion } from '../packageInfo';

/** `<name>-<yyyymmdd-hhmmss>-<4 hex>`: sortable, unique enough, readable. */
export function makeRunId(name: string, now = new Date()): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  const stamp = `${now.getFullYear()}${p(now.getMonth() + 1)}${p(now.getDate())}-${p(now.getHours())}${p(now.getMinutes())}${p(now.getSeconds())}`;
  const rand = Math.floor(Math.random() * 0x10000).toString(16).padStart(4, '0');
  return `${name}-${stamp}-${rand}`;
}

/** Writes `file` through a temporary sibling and a rename, so readers never see half a file. */
export function writeFileAtomic(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}

export function experimentYaml(exp: ResolvedExperiment, sourceFile: string): string {
  const header =
    `# Resolved experiment (defaults applied, tau resolved), written by hamiltonian-rnn-lab ${packageVersion()}\n` +
    `# from ${sourceFile}\n`;
  return header + YAML.stringify(exp);
}

export class RunFolderWriter {
  private fd: number | null;

  private constructor(
    readonly runDir: string,
    readonly runId: string,
  ) {
    this.fd = fs.openSync(path.join(runDir, RUN_FILES.metrics), 'a');
  }

  /** Creates `<runsDir>/<runId>/` with experiment.yaml and an empty metrics.jsonl. */
  static create(runsDir: string, runId: string, exp: ResolvedExperiment, sourceFile: string): RunFolderWriter {
    const runDir = path.join(runsDir, runId);
    if (fs.existsSync(runDir)) throw new Error(`run folder ${runDir} already exists`);
    fs.mkdirSync(runDir, { recursive: true });
    fs.writeFileSync(path.join(runDir, RUN_FILES.experiment), experimentYaml(exp, sourceFile));
    return new RunFolderWriter(runDir, runId);
  }

  append(record: MetricRecord): void {
    if (this.fd === null) throw new Error('run folder writer is closed');
    fs.writeSync(this.fd, JSON.stringify(record) + '\n');
  }

  writeSummary(summary: RunSummary): void {
    writeFileAtomic(path.join(this.runDir, RUN_FILES.summary), JSON.stringify(summary, null, 2) + '\n');
  }

  get checkpointDir(): string {
    return path.join(this.runDir, RUN_FILES.checkpoint);
  }

  close(): void {
    if (this.fd !== null) {
      fs.closeSync(this.fd);
      this.fd = null;
    }
  }
}
