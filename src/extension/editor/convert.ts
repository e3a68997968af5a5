/** Between the experiment language service's shapes and VS Code's. */
import * as vscode from 'vscode';
import type { Problem, Range } from '../../experiment/problems';

/** 1-based line/col (end exclusive) to a VS Code range (0-based). */
export function toVscodeRange(range: Range): vscode.Range {
  return new vscode.Range(range.start.line - 1, range.start.col - 1, range.end.line - 1, Math.max(range.end.col - 1, 0));
}

/** A VS Code range to 1-based line/col. */
export function fromVscodeRange(range: vscode.Range): Range {
  return {
    start: { line: range.start.line + 1, col: range.start.character + 1 },
    end: { line: range.end.line + 1, col: range.end.character + 1 },
  };
}

export function toDiagnostic(problem: Problem): vscode.Diagnostic {
  let range = toVscodeRange(problem.range);
  // A zero-width range would underline nothing: widen it to one character.
  if (range.isEmpty) range = new vscode.Range(range.start, range.start.translate(0, 1));
  const severity = problem.severity === 'error' ? vscode.DiagnosticSeverity.Error : vscode.DiagnosticSeverity.Warning;
  const diagnostic = new vscode.Diagnostic(range, problem.message, severity);
  diagnostic.source = 'hrnn';
  diagnostic.code = problem.code;
  return diagnostic;
}
