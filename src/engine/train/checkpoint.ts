/**
 * Checkpoints in the TensorFlow.js save format: `model.json` with a `weightsManifest` and one
 * `weights.bin` (what tf.io.encodeWeights produces), plus what this tool needs to rebuild the model.
 */
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { ModelConfig } from '../../experiment/schema';
import { packageVersion } from '../packageInfo';
import { writeFileAtomic } from '../../runs/atomicFile';

export const CHECKPOINT_FORMAT = 'hamiltonian-rnn-lab/checkpoint';

export interface CheckpointMeta {
  step: number;
  model: ModelConfig;
  inputDim: number;
  outputDim: number;
}

interface ModelJson {
  format: typeof CHECKPOINT_FORMAT;
  formatVersion: 1;
  generatedBy: string;
  meta: CheckpointMeta;
  weightsManifest: Array<{ paths: string[]; weights: tf.io.WeightsManifestEntry[] }>;
}

export async function saveCheckpoint(dir: string, weights: Record<string, tf.Tensor>, meta: CheckpointMeta): Promise<void> {
  fs.mkdirSync(dir, { recursive: true });
  const { data, specs } = await tf.io.encodeWeights(weights);
  const json: ModelJson = {
    format: CHECKPOINT_FORMAT,
    formatVersion: 1,
    generatedBy: `hamiltonian-rnn-lab ${packageVersion()}`,
    meta,
    weightsManifest: [{ paths: ['weights.bin'], weights: specs }],
  };
  // Weights first, then the manifest: a model.json always describes a complete weights.bin.
  writeFileAtomic(path.join(dir, 'weights.bin'), new Uint8Array(data));
  writeFileAtomic(path.join(dir, 'model.json'), JSON.stringify(json, null, 2) + '\n');
}

export function loadCheckpoint(dir: string): { meta: CheckpointMeta; weights: Record<string, tf.Tensor> } {
  const file = path.join(dir, 'model.json');
  const json = JSON.parse(fs.readFileSync(file, 'utf8')) as ModelJson;
  if (json.format !== CHECKPOINT_FORMAT) throw new Error(`${file}: not a Hamiltonian RNN Lab checkpoint`);
  const manifest = json.weightsManifest[0];
  const buf = fs.readFileSync(path.join(dir, manifest.paths[0]));
  const weights = tf.io.decodeWeights(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength), manifest.weights);
  return { meta: json.meta, weights };
}
