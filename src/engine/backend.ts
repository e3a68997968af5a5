/**
 * TensorFlow.js backend selection. `auto` tries tensorflow-gpu (tfjs-node-gpu), then tensorflow
 * (tfjs-node), then wasm, then cpu, and says which one runs. A demanded backend that is not
 * available is an error, never a silent fallback.
 *
 * tfjs-node and tfjs-node-gpu are loaded with a plain `require` from this package's
 * node_modules so that they register on the same tfjs-core instance as the engine (they depend on
 * @tensorflow/tfjs 4.22.0, the version this package pins). The engine imports the umbrella
 * `@tensorflow/tfjs` rather than tfjs-core alone because the umbrella registers the gradients of
 * every op (tfjs-core's own registration module is ESM-only).
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendChoice } from '../experiment/schema';

export type BackendName = Exclude<BackendChoice, 'auto'>;

export interface BackendInfo {
  /** The name the experiment file uses. */
  name: BackendName;
  /** tfjs' own backend name (`tensorflow`, `wasm`, `cpu`). */
  tfBackend: string;
  /** One line for logs and summaries. */
  description: string;
  /** Why earlier candidates of `auto` were skipped, `name: reason` (empty when demanded explicitly). */
  skipped: string[];
}

export class BackendUnavailableError extends Error {
  constructor(
    readonly backend: BackendName,
    /** Why, in a few words (`@tensorflow/tfjs-node is not installed`). */
    readonly reason: string,
    hint?: string,
  ) {
    super(`backend "${backend}" is not available: ${reason}${hint ? `; ${hint}` : ''}`);
    this.name = 'BackendUnavailableError';
  }
}

const INSTALL_HINT: Record<BackendName, string> = {
  'tensorflow-gpu':
    'install it with `npm install @tensorflow/tfjs-node-gpu@4.22.0` (needs CUDA and network access to the TensorFlow download host at install time)',
  tensorflow:
    'install it with `npm install @tensorflow/tfjs-node@4.22.0` (its install downloads libtensorflow; on an offline machine point TFJS_NODE_BASE_URI at a mirror)',
  wasm: 'reinstall the package dependencies (`npm ci`): @tensorflow/tfjs-backend-wasm is a regular dependency',
  cpu: 'reinstall the package dependencies (`npm ci`): @tensorflow/tfjs-backend-cpu is a regular dependency',
};

const NODE_MODULE: Partial<Record<BackendName, string>> = {
  'tensorflow-gpu': '@tensorflow/tfjs-node-gpu',
  tensorflow: '@tensorflow/tfjs-node',
};

let quietened = false;
function quieten(): void {
  if (quietened) return;
  quietened = true;
  // PROD silences tfjs' console banner ("install our node backend"): we report the backend ourselves.
  tf.env().set('PROD', true);
}

function requireOptional(name: string): string | null {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require(name);
    return null;
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'MODULE_NOT_FOUND' && String(err.message).includes(name)) return `${name} is not installed`;
    return `${name} failed to load: ${err.message.split('\n')[0]}`;
  }
}

async function activate(name: BackendName): Promise<BackendInfo> {
  quieten();
  const moduleName = NODE_MODULE[name];
  if (moduleName) {
    const problem = requireOptional(moduleName);
    if (problem) throw new BackendUnavailableError(name, problem, INSTALL_HINT[name]);
    if (!(await tf.setBackend('tensorflow'))) {
      throw new BackendUnavailableError(name, `${moduleName} loaded but the "tensorflow" backend did not initialise`);
    }
    const detail = name === 'tensorflow-gpu' ? 'libtensorflow with CUDA' : 'libtensorflow (multi-threaded CPU kernels)';
    return { name, tfBackend: 'tensorflow', description: `${name} (${moduleName}, ${detail})`, skipped: [] };
  }
  const pkg = name === 'wasm' ? '@tensorflow/tfjs-backend-wasm' : '@tensorflow/tfjs-backend-cpu';
  const problem = requireOptional(pkg);
  if (problem) throw new BackendUnavailableError(name, problem, INSTALL_HINT[name]);
  let ok: boolean;
  try {
    ok = await tf.setBackend(name);
  } catch (e) {
    throw new BackendUnavailableError(name, `initialisation failed: ${(e as Error).message}`);
  }
  if (!ok) throw new BackendUnavailableError(name, 'initialisation failed');
  await tf.ready();
  let description: string;
  if (name === 'wasm') {
    const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
    description = `wasm (${pkg}, ${simd ? 'SIMD' : 'no SIMD'}, 1 thread)`;
  } else {
    description = `cpu (${pkg}, plain JavaScript: slow)`;
  }
  return { name, tfBackend: name, description, skipped: [] };
}

const AUTO_ORDER: BackendName[] = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'];

let current: BackendInfo | null = null;

/**
 * Makes `choice` the active tfjs backend. `auto` takes the first that works and lists why the
 * others were skipped. Selecting the backend that is already active is free.
 */
export async function selectBackend(choice: BackendChoice): Promise<BackendInfo> {
  if (current && (choice === 'auto' || choice === current.name) && tf.getBackend() === current.tfBackend) {
    return current;
  }
  if (choice !== 'auto') {
    current = await activate(choice);
    return current;
  }
  const skipped: string[] = [];
  for (const name of AUTO_ORDER) {
    try {
      const info = await activate(name);
      current = { ...info, skipped };
      return current;
    } catch (e) {
      skipped.push(e instanceof BackendUnavailableError ? `${name}: ${e.reason}` : `${name}: ${(e as Error).message}`);
    }
  }
  throw new Error(`no TensorFlow.js backend could start (${skipped.join('; ')})`);
}

/** The backend chosen by an earlier `selectBackend`, if any. */
export function currentBackend(): BackendInfo | null {
  return current;
}
