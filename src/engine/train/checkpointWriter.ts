/**
 * When and what the run checkpoints: every `checkpointEvery` steps while training, and once at the
 * end (the caller decides that one). What goes in is gathered from its sources at that moment (the
 * weights; the `training` state for a resume: optimizer moments, random streams, best weights), so a
 * checkpoint can grow without the training loop changing; the file format is checkpoint.ts's. No
 * run-folder or summary knowledge beyond the directory it writes to.
 */
import type { NamedWeights } from './bestWeights';
import { saveCheckpoint, type CheckpointMeta, type CheckpointTraining } from './checkpoint';

/** What rebuilds the model from a checkpoint, besides the step it was taken at. */
export type ModelDescription = Omit<CheckpointMeta, 'step'>;

/** Where each part of a checkpoint comes from, read at the moment it is written. */
export interface CheckpointSources {
  /** The model's weights by name (the live tensors: saving only reads them). */
  weights(): NamedWeights;
  /** What a resume needs besides the weights (live tensors too); without it the checkpoint cannot resume. */
  training?(step: number): Promise<CheckpointTraining>;
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
    const training = await this.sources.training?.(step);
    await saveCheckpoint(this.dir, this.sources.weights(), { step, ...this.model }, training);
  }
}
