/**
 * User-facing messages go through here: each is shown as a notification, written to the log
 * channel, and kept in a short history that the integration tests read (the notification itself
 * lives in the workbench, out of the extension host's reach).
 */
import * as vscode from 'vscode';
import { Emitter } from '../process/emitter';

export type NoticeSeverity = 'info' | 'warning' | 'error';

export interface Notice {
  severity: NoticeSeverity;
  message: string;
  at: number;
}

export class Notifier implements vscode.Disposable {
  private readonly history: Notice[] = [];
  private readonly emitter = new Emitter<Notice>();
  readonly onDidNotify = this.emitter.event;

  constructor(private readonly log: vscode.LogOutputChannel) {}

  get notices(): readonly Notice[] {
    return this.history;
  }

  /** Shows the message; resolves with the action the user picked (undefined when dismissed). */
  show<T extends string>(severity: NoticeSeverity, message: string, ...actions: T[]): Thenable<T | undefined> {
    const notice: Notice = { severity, message, at: Date.now() };
    this.history.push(notice);
    if (this.history.length > 50) this.history.shift();
    if (severity === 'error') this.log.error(message);
    else if (severity === 'warning') this.log.warn(message);
    else this.log.info(message);
    this.emitter.fire(notice);
    const show =
      severity === 'error' ? vscode.window.showErrorMessage : severity === 'warning' ? vscode.window.showWarningMessage : vscode.window.showInformationMessage;
    return show(message, ...actions) as Thenable<T | undefined>;
  }

  dispose(): void {
    this.emitter.dispose();
  }
}
