/**
 * Which documents are experiment files: `*.hrnn.yaml` / `*.hrnn.yml`, or any YAML file whose first
 * lines carry a `# yaml-language-server: $schema=` modeline naming our schema (by file name or $id).
 */
import { SCHEMA_ID } from './schema';

export const EXPERIMENT_FILE_PATTERN = /\.hrnn\.ya?ml$/iu;
const YAML_FILE_PATTERN = /\.ya?ml$/iu;
const SCHEMA_FILE_NAME = 'experiment.schema.json';
const MODELINE = /^\s*#\s*yaml-language-server\s*:\s*\$schema=(\S+)/u;
const MODELINE_LINES = 5;

/** Whether the path names an experiment file by its extension. */
export function isExperimentFileName(path: string): boolean {
  return EXPERIMENT_FILE_PATTERN.test(path);
}

/** The `$schema=` target of a modeline in the first lines of `text`, if any. */
export function schemaModeline(text: string): string | undefined {
  const head = text.slice(0, 4096).split(/\r\n|\r|\n/u, MODELINE_LINES);
  for (const line of head) {
    const m = MODELINE.exec(line);
    if (m) return m[1];
  }
  return undefined;
}

/** Whether a modeline target refers to our schema. */
export function isOurSchemaReference(reference: string): boolean {
  const withoutQuery = reference.replace(/[?#].*$/u, '');
  if (withoutQuery === SCHEMA_ID) return true;
  const fileName = withoutQuery.split(/[\\/]/u).pop() ?? '';
  return fileName === SCHEMA_FILE_NAME;
}

/** Whether a document (by its URI's path and its text) is an experiment file. */
export function isExperimentDocument(uri: { path: string }, text: string): boolean {
  if (isExperimentFileName(uri.path)) return true;
  if (!YAML_FILE_PATTERN.test(uri.path)) return false;
  const reference = schemaModeline(text);
  return reference !== undefined && isOurSchemaReference(reference);
}
