/** The package's own version, found from wherever this code runs (bundle, tsc output, tests). */
import fs from 'node:fs';
import path from 'node:path';

let cached: string | null = null;

export function packageVersion(): string {
  if (cached) return cached;
  let dir = __dirname;
  for (let i = 0; i < 6; i++) {
    const file = path.join(dir, 'package.json');
    try {
      const pkg = JSON.parse(fs.readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'hamiltonian-rnn-lab' && pkg.version) return (cached = pkg.version);
    } catch {
      // not here; look one level up
    }
    dir = path.dirname(dir);
  }
  return (cached = '0.0.0-unknown');
}
