/**
 * The experiment format's public surface: loading and validating files, sweeps, overrides,
 * problem formatting, the editor's language service, templates.
 */
export { SCHEMA_ID, ExperimentSchema, MODEL_KINDS, TASK_KINDS, BACKENDS } from './schema';
export type { ExperimentInput, ResolvedExperiment, ModelKind, TaskKind, BackendChoice } from './schema';
export { resolveExperiment, sequenceLength, autoTau } from './resolve';
export { loadExperimentFile, loadExperimentText, applyOverrides, experimentNameFromFile } from './load';
export type { LoadResult, LoadSuccess, LoadFailure } from './load';
export { validateExperimentText, validateExperimentValue } from './validate';
export type { ValidateOptions, ValidationResult } from './validate';
export { expandSweep, sweepAxes, sweepSize, sweepPlan, planSize, hasSweep, MAX_SWEEP_RUNS } from './sweep';
export type { ExpandedRun, SweepAxis } from './sweep';
export { formatProblem, sortProblems } from './problems';
export type { Problem, Range, Position, Severity, ProblemCode } from './problems';
export { MAX_EXPERIMENT_BYTES } from './encoding';
export { experimentJsonSchema, experimentJsonSchemaText } from './jsonSchema';
