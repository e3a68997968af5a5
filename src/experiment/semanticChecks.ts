/**
 * Checks a schema cannot express, over the same plain value and reported as the same findings:
 * keys that do not apply to the chosen model or task kind (warnings, so one sweep can compare
 * kinds), `steps` with `epochs`, epochs on a task without epochs, settings another setting ignores.
 */
import type { Finding } from './findings';
import { experimentJsonSchema, type SchemaNode } from './jsonSchema';
import { MODEL_KINDS, TASK_KINDS, type ModelKind, type TaskKind } from './schema';

/** The kinds in play: the file's own, plus every kind a sweep brings in. */
export interface KindsInPlay {
  models: Set<ModelKind>;
  tasks: Set<TaskKind>;
}

type Obj = Record<string, unknown>;

function asObject(value: unknown): Obj | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Obj) : undefined;
}

function isSet(value: unknown): boolean {
  return value !== undefined && value !== null;
}

function quoteList(values: readonly string[]): string {
  return values.map((v) => `"${v}"`).join(', ');
}

/** The model and task kinds an experiment value names (schema defaults when absent). */
export function kindsOf(value: unknown): KindsInPlay {
  const root = asObject(value);
  const model = asObject(root?.model)?.kind;
  const task = asObject(root?.task)?.kind;
  return {
    models: new Set((MODEL_KINDS as readonly unknown[]).includes(model) ? [model as ModelKind] : []),
    tasks: new Set((TASK_KINDS as readonly unknown[]).includes(task) ? [task as TaskKind] : []),
  };
}

function applicabilityFindings(section: 'model' | 'task', values: Obj, kinds: ReadonlySet<string>, annotation: 'x-appliesTo' | 'x-appliesToTask'): Finding[] {
  if (kinds.size === 0) return [];
  const schema: SchemaNode | undefined = experimentJsonSchema().properties?.[section];
  const findings: Finding[] = [];
  for (const key of Object.keys(values)) {
    const appliesTo = schema?.properties?.[key]?.[annotation];
    if (!appliesTo || !isSet(values[key])) continue;
    if ([...kinds].some((k) => appliesTo.includes(k))) continue;
    const chosen = [...kinds];
    const subject = chosen.length === 1 ? `${section}.kind "${chosen[0]}"` : `any of the ${section} kinds ${quoteList(chosen)}`;
    const only = appliesTo.length === 1 ? `only to ${appliesTo[0]}` : `only to ${appliesTo.join(', ')}`;
    findings.push({
      severity: 'warning',
      code: 'not-applicable',
      path: [section, key],
      target: 'key',
      detail: `does not apply to ${subject} (${only}); it is ignored`,
    });
  }
  return findings;
}

/**
 * The cross-key checks. `kinds` widens the applicability checks to every kind a sweep runs: a
 * Hamiltonian-only key is fine while at least one run is Hamiltonian.
 */
export function semanticFindings(value: unknown, kinds: KindsInPlay = kindsOf(value)): Finding[] {
  const root = asObject(value);
  if (root === undefined) return [];
  const findings: Finding[] = [];
  const task = asObject(root.task);
  const model = asObject(root.model);
  const training = asObject(root.training);

  if (model !== undefined) findings.push(...applicabilityFindings('model', model, kinds.models, 'x-appliesTo'));
  if (task !== undefined) findings.push(...applicabilityFindings('task', task, kinds.tasks, 'x-appliesToTask'));

  if (training !== undefined) {
    if (isSet(training.steps) && isSet(training.epochs)) {
      findings.push({
        severity: 'error',
        code: 'conflict',
        path: ['training', 'epochs'],
        target: 'key',
        detail: 'set either training.steps or training.epochs, not both',
      });
    } else if (isSet(training.epochs) && (task?.kind === 'adding' || task?.kind === 'copy')) {
      findings.push({
        severity: 'error',
        code: 'conflict',
        path: ['training', 'epochs'],
        target: 'key',
        detail: `the ${task.kind} task draws fresh data every step and has no epochs; use training.steps`,
      });
    }
    const optimizer = training.optimizer ?? 'adam';
    if (optimizer !== 'sgd' && typeof training.momentum === 'number' && training.momentum !== 0) {
      findings.push({
        severity: 'warning',
        code: 'not-applicable',
        path: ['training', 'momentum'],
        target: 'key',
        detail: `applies only to optimizer "sgd" (the optimizer is "${String(optimizer)}"); it is ignored`,
      });
    }
  }
  if (task?.kind === 'copy') {
    const length = typeof task.length === 'number' ? task.length : 50;
    const symbols = typeof task.copySymbols === 'number' ? task.copySymbols : 10;
    if (length <= 2 * symbols) {
      findings.push({
        severity: 'error',
        code: 'conflict',
        path: ['task', 'length'],
        target: 'key',
        detail: `the copy task needs length > 2 x copySymbols (${2 * symbols}): K symbols, at least the delimiter, then K recall steps`,
      });
    }
  }
  if (model !== undefined) {
    for (const key of ['stepInit', 'wInit'] as const) {
      const range = model[key];
      if (!isSet(range)) continue;
      if ((model.variant ?? 'full') !== 'diagonal') {
        findings.push({
          severity: 'warning',
          code: 'not-applicable',
          path: ['model', key],
          target: 'key',
          detail: 'applies only to variant "diagonal"; it is ignored',
        });
      } else if (Array.isArray(range) && typeof range[0] === 'number' && typeof range[1] === 'number' && range[0] > range[1]) {
        findings.push({
          severity: 'error',
          code: 'conflict',
          path: ['model', key],
          target: 'value',
          detail: `the range [min, max] has min ${range[0]} > max ${range[1]}`,
        });
      }
    }
  }
  if (model !== undefined && isSet(model.anchorEvery) && (model.backprop ?? 'stored') !== 'reversible') {
    findings.push({
      severity: 'warning',
      code: 'not-applicable',
      path: ['model', 'anchorEvery'],
      target: 'key',
      detail: 'applies only to backprop "reversible"; it is ignored',
    });
  }
  return findings;
}
