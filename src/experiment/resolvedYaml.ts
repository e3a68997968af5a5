/**
 * The resolved experiment as YAML (defaults applied, tau resolved): what a run folder keeps as
 * `experiment.yaml`, readable by a person and loadable again as the exact configuration that ran.
 * No engine, no vscode.
 */
import YAML from 'yaml';
import type { ResolvedExperiment } from './schema';

export function resolvedExperimentYaml(exp: ResolvedExperiment, sourceFile: string, generatedBy: string): string {
  const header = `# Resolved experiment (defaults applied, tau resolved), written by ${generatedBy}\n# from ${sourceFile}\n`;
  return header + YAML.stringify(exp);
}
