/**
 * Checkpoints in the TensorFlow.js save format: `model.json` with a `weightsManifest` and one
 * `weights.bin` (what tf.io.encodeWeights produces), plus what this tool needs to rebuild the model
 * and, for an exact resume, the training state: a JSON section `training` in model.json and its
 * tensors (optimizer moments, best weights) in the same weights.bin under the `training/` prefix.
 * Knows the file format only: what the training state means is resumeState.ts's.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { ModelConfig } from '../../experiment/schema';
import { packageVersion } from '../packageInfo';
import { writeFileAtomic } from '../../runs/atomicFile';
import type { ResumeState } from './resumeState';

export const CHECKPOINT_FORMAT = 'hamiltonian-rnn-lab/checkpoint';

/** Names of training-state tensors in weights.bin start with this; model weights never do. */
const TRAINING_PREFIX = 'training/';

export interface CheckpointMeta {
  step: number;
  model: ModelConfig;
  inputDim: number;
  outputDim: number;
}

/** The training state of a checkpoint: JSON, and tensors by name (without the file's prefix). */
export interface CheckpointTraining {
  state: ResumeState;
  tensors: Record<string, tf.Tensor>;
}

interface ModelJson {
  format: typeof CHECKPOINT_FORMAT;
  formatVersion: 1;
  generatedBy: string;
  meta: CheckpointMeta;
  /** Absent in checkpoints of versions that could not resume. */
  training?: ResumeState;
  /**
   * weights.bin's SHA-256. weights.bin and model.json are each replaced atomically, but not together:
   * a trainer killed between the two leaves a newer weights.bin beside an older model.json, which this
   * tells apart (absent in older checkpoints).
   */
  weightsSha256?: string;
  weightsManifest: Array<{ paths: string[]; weights: tf.io.WeightsManifestEntry[] }>;
}

function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

export async function saveCheckpoint(dir: string, weights: Record<string, tf.Tensor>, meta: CheckpointMeta, training?: CheckpointTraining): Promise<void> {
  fs.mkdirSync(dir, { recursive: true });
  const all: Record<string, tf.Tensor> = { ...weights };
  if (training) for (const [name, t] of Object.entries(training.tensors)) all[TRAINING_PREFIX + name] = t;
  const { data, specs } = await tf.io.encodeWeights(all);
  const bytes = new Uint8Array(data);
  const json: ModelJson = {
    format: CHECKPOINT_FORMAT,
    formatVersion: 1,
    generatedBy: `hamiltonian-rnn-lab ${packageVersion()}`,
    meta,
    ...(training ? { training: training.state } : {}),
    weightsSha256: sha256(bytes),
    weightsManifest: [{ paths: ['weights.bin'], weights: specs }],
  };
  // Weights first, then the manifest: a model.json never describes a weights.bin still to come.
  writeFileAtomic(path.join(dir, 'weights.bin'), bytes);
  writeFileAtomic(path.join(dir, 'model.json'), JSON.stringify(json, null, 2) + '\n');
}

/** Model weights only, and the training state where the checkpoint has one. The caller disposes every tensor. */
export function loadCheckpoint(dir: string): { meta: CheckpointMeta; weights: Record<string, tf.Tensor>; training: CheckpointTraining | null } {
  const file = path.join(dir, 'model.json');
  const json = JSON.parse(fs.readFileSync(file, 'utf8')) as ModelJson;
  if (json.format !== CHECKPOINT_FORMAT) throw new Error(`${file}: not a Hamiltonian RNN Lab checkpoint`);
  const manifest = json.weightsManifest[0];
  const buf = fs.readFileSync(path.join(dir, manifest.paths[0]));
  if (json.weightsSha256 !== undefined && sha256(buf) !== json.weightsSha256) {
    throw new Error(`${dir}: weights.bin does not belong to model.json (the trainer died while writing the checkpoint)`);
  }
  const all = tf.io.decodeWeights(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength), manifest.weights);
  const weights: Record<string, tf.Tensor> = {};
  const tensors: Record<string, tf.Tensor> = {};
  for (const [name, t] of Object.entries(all)) {
    if (name.startsWith(TRAINING_PREFIX)) tensors[name.slice(TRAINING_PREFIX.length)] = t;
    else weights[name] = t;
  }
  if (!json.training) tf.dispose(Object.values(tensors));
  return { meta: json.meta, weights, training: json.training ? { state: json.training, tensors } : null };
}

/** The checkpoint's JSON alone (no tensors): its step and whether it can resume; null when there is none. */
export function readCheckpointHeader(dir: string): { meta: CheckpointMeta; training: ResumeState | null } | null {
  let json: ModelJson;
  try {
    json = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8')) as ModelJson;
  } catch {
    return null;
  }
  if (json.format !== CHECKPOINT_FORMAT) return null;
  return { meta: json.meta, training: json.training ?? null };
}
