/** Documentation of a key, in Markdown, from its schema node: what completion and hover show. */
import type { SchemaNode } from '../jsonSchema';
import { describeExpectation, literalValues, showLiteral } from '../schemaDescribe';

function code(value: unknown): string {
  return '`' + (typeof value === 'string' ? value : JSON.stringify(value)) + '`';
}

/** One line saying what a key accepts, e.g. `an integer from 1 to 8192`. */
export function expectationLine(node: SchemaNode): string {
  if (node.type === 'object') return 'a mapping';
  if (node.type === 'array' && node.items !== undefined) return `a list of: ${describeExpectation(node.items)}`;
  return describeExpectation(node);
}

/** Markdown: description, what it accepts, allowed values, default, examples, the kinds it applies to. */
export function keyDocumentation(node: SchemaNode, dottedPath?: string): string {
  const parts: string[] = [];
  if (dottedPath !== undefined) parts.push(`**${dottedPath}**: ${expectationLine(node)}`);
  if (node.description) parts.push(node.description);
  const facts: string[] = [];
  const valueNode = node.type === 'array' && node.items ? node.items : node;
  const literals = literalValues(valueNode).filter((v) => v !== null);
  if (literals.length > 1) facts.push(`Allowed: ${literals.map(code).join(', ')}`);
  if (node.default !== undefined) facts.push(`Default: ${code(node.default)}`);
  if (node.examples && node.examples.length > 0 && node.type !== 'object') facts.push(`Examples: ${node.examples.map(code).join(', ')}`);
  const appliesTo = valueNode['x-appliesTo'];
  if (appliesTo) facts.push(`Applies to model kinds: ${appliesTo.map(showLiteral).join(', ')}`);
  const appliesToTask = valueNode['x-appliesToTask'];
  if (appliesToTask) facts.push(`Applies to tasks: ${appliesToTask.map(showLiteral).join(', ')}`);
  if (facts.length > 0) parts.push(facts.join('  \n'));
  return parts.join('\n\n');
}
