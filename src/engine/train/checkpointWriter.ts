/**
 * When and what the run checkpoints: every `checkpointEvery` steps while training, and once at the
 * end (the caller decides that one). What goes in is gathered here, so a checkpoint can grow
 * (optimizer moments, random streams) without the training loop changing; the file format is
 * checkpoint.ts's. No run-folder or summary knowledge beyond the directory it writes to.
 */
import type { NamedWeights } from './bestWeights';
import { saveCheckpoint, type CheckpointMeta } from './checkpoint';

/** What rebuilds the model from a checkpoint, besides the step it was taken at. */
export type ModelDescription = Omit<CheckpointMeta, 'step'>;

/** Where each part of a checkpoint comes from, read at the moment it is written. */
export interface CheckpointSources {
  /** The model's weights by name (the live tensors: saving only reads them). */
  weights(): NamedWeights;
}

export class CheckpointWriter {
  constructor(
    private readonly dir: string,
    private readonly every: number | null,
    private readonly model: ModelDescription,
    private readonly sources: CheckpointSources,
  ) {}

  /** A periodic checkpoint is due every `every` steps; never when `every` is null. */
  isDue(step: number): boolean {
    return !!this.every && step % this.every === 0;
  }

  /** Replaces the checkpoint with the state at `step`. */
  async write(step: number): Promise<void> {
    await saveCheckpoint(this.dir, this.sources.weights(), { step, ...this.model });
  }
}
