/** Completion, hover and quick fixes for experiment files: thin adapters over the language service. */
import * as vscode from 'vscode';
import { isExperimentDocument } from '../../experiment/documentMatch';
import { completionsAt } from '../../experiment/language/completion';
import { hoverAt } from '../../experiment/language/hover';
import { quickFixes } from '../../experiment/language/quickFixes';
import { fromVscodeRange, toVscodeRange } from './convert';

/** YAML documents; each provider checks that the document is an experiment file. */
export const EXPERIMENT_SELECTOR: vscode.DocumentSelector = [{ language: 'yaml' }, { pattern: '**/*.hrnn.{yaml,yml}' }];

const isExperiment = (doc: vscode.TextDocument) => isExperimentDocument(doc.uri, doc.getText());

export class ExperimentCompletionProvider implements vscode.CompletionItemProvider {
  static readonly triggerCharacters = [' ', ':', '[', ','];

  provideCompletionItems(doc: vscode.TextDocument, position: vscode.Position): vscode.CompletionItem[] | undefined {
    if (!isExperiment(doc)) return undefined;
    return completionsAt(doc.getText(), doc.offsetAt(position)).map((c) => {
      const kind = c.kind === 'key' ? vscode.CompletionItemKind.Property : vscode.CompletionItemKind.EnumMember;
      const item = new vscode.CompletionItem(c.label, kind);
      item.insertText = c.insertText;
      item.range = new vscode.Range(doc.positionAt(c.replaceStart), doc.positionAt(c.replaceEnd));
      item.detail = c.detail;
      item.documentation = new vscode.MarkdownString(c.documentation);
      item.sortText = c.sortText;
      // After a leaf key, offer its values right away.
      if (c.kind === 'key' && c.insertText.endsWith(': ')) item.command = { title: 'Suggest values', command: 'editor.action.triggerSuggest' };
      return item;
    });
  }
}

export class ExperimentHoverProvider implements vscode.HoverProvider {
  provideHover(doc: vscode.TextDocument, position: vscode.Position): vscode.Hover | undefined {
    if (!isExperiment(doc)) return undefined;
    const hover = hoverAt(doc.getText(), doc.offsetAt(position));
    if (hover === undefined) return undefined;
    return new vscode.Hover(new vscode.MarkdownString(hover.contents), new vscode.Range(doc.positionAt(hover.start), doc.positionAt(hover.end)));
  }
}

export class ExperimentCodeActionProvider implements vscode.CodeActionProvider {
  static readonly providedCodeActionKinds = [vscode.CodeActionKind.QuickFix];

  provideCodeActions(doc: vscode.TextDocument, range: vscode.Range | vscode.Selection, context: vscode.CodeActionContext): vscode.CodeAction[] | undefined {
    if (!isExperiment(doc)) return undefined;
    return quickFixes(doc.getText(), fromVscodeRange(range)).map((fix) => {
      const action = new vscode.CodeAction(fix.title, vscode.CodeActionKind.QuickFix);
      const edit = new vscode.WorkspaceEdit();
      const target = toVscodeRange(fix.range);
      edit.replace(doc.uri, target, fix.newText);
      action.edit = edit;
      action.diagnostics = context.diagnostics.filter((d) => d.source === 'hrnn' && d.range.start.isEqual(target.start));
      action.isPreferred = true;
      return action;
    });
  }
}
