/**
 * Just enough of the `vscode` API to run the editor adapters in plain Node: documents, events,
 * a diagnostic collection, provider registration, the file system and scripted UI prompts.
 * Installed under the module name `vscode` for the modules loaded after `installFakeVscode()`.
 */
import fs from 'node:fs';
import Module from 'node:module';
import nodePath from 'node:path';

export class Position {
  constructor(
    readonly line: number,
    readonly character: number,
  ) {}
  isEqual(other: Position): boolean {
    return this.line === other.line && this.character === other.character;
  }
  isBefore(other: Position): boolean {
    return this.line < other.line || (this.line === other.line && this.character < other.character);
  }
  translate(lineDelta = 0, characterDelta = 0): Position {
    return new Position(this.line + lineDelta, this.character + characterDelta);
  }
}

export class Range {
  readonly start: Position;
  readonly end: Position;
  constructor(a: Position | number, b: Position | number, c?: number, d?: number) {
    this.start = typeof a === 'number' ? new Position(a, b as number) : a;
    this.end = typeof a === 'number' ? new Position(c!, d!) : (b as Position);
  }
  get isEmpty(): boolean {
    return this.start.isEqual(this.end);
  }
}

export class Uri {
  private constructor(
    readonly scheme: string,
    readonly path: string,
  ) {}
  static file(p: string): Uri {
    return new Uri('file', p);
  }
  static joinPath(base: Uri, ...segments: string[]): Uri {
    return new Uri(base.scheme, nodePath.posix.join(base.path, ...segments));
  }
  get fsPath(): string {
    return this.path;
  }
  toString(): string {
    return `${this.scheme}://${this.path}`;
  }
}

export class TextDocument {
  isClosed = false;
  readonly languageId = 'yaml';
  constructor(
    readonly uri: Uri,
    public text: string,
  ) {}
  getText(): string {
    return this.text;
  }
  offsetAt(position: Position): number {
    const lines = this.text.split('\n');
    let offset = 0;
    for (let i = 0; i < position.line && i < lines.length; i++) offset += lines[i].length + 1;
    return offset + position.character;
  }
  positionAt(offset: number): Position {
    const before = this.text.slice(0, offset);
    const line = before.split('\n').length - 1;
    return new Position(line, offset - (before.lastIndexOf('\n') + 1));
  }
}

type Listener<T> = (value: T) => void;

export class Emitter<T> {
  private listeners: Listener<T>[] = [];
  readonly event = (listener: Listener<T>) => {
    this.listeners.push(listener);
    return { dispose: () => (this.listeners = this.listeners.filter((l) => l !== listener)) };
  };
  fire(value: T): void {
    for (const l of this.listeners) l(value);
  }
  get count(): number {
    return this.listeners.length;
  }
}

export class DiagnosticCollection {
  readonly entries = new Map<string, unknown[]>();
  setCalls = 0;
  disposed = false;
  constructor(readonly name: string) {}
  set(uri: Uri, diagnostics: unknown[]): void {
    this.setCalls++;
    this.entries.set(uri.toString(), diagnostics);
  }
  delete(uri: Uri): void {
    this.entries.delete(uri.toString());
  }
  get(uri: Uri): unknown[] | undefined {
    return this.entries.get(uri.toString());
  }
  dispose(): void {
    this.disposed = true;
  }
}

export interface Registration {
  kind: 'completion' | 'hover' | 'codeAction';
  selector: unknown;
  provider: unknown;
  extra: unknown[];
}

/** The scripted answers of the UI prompts, and what the code showed. */
export interface UiScript {
  quickPick?: (items: { label: string }[]) => unknown;
  inputBox?: (options: { value?: string; validateInput?: (v: string) => string | undefined }) => string | undefined;
  warning?: (message: string) => string | undefined;
  shown: string[];
}

export function createFakeVscode() {
  const collections: DiagnosticCollection[] = [];
  const registrations: Registration[] = [];
  const events = {
    open: new Emitter<TextDocument>(),
    change: new Emitter<{ document: TextDocument }>(),
    save: new Emitter<TextDocument>(),
    close: new Emitter<TextDocument>(),
  };
  const ui: UiScript = { shown: [] };
  const state = { textDocuments: [] as TextDocument[], workspaceFolders: [] as { uri: Uri }[] };
  const register =
    (kind: Registration['kind']) =>
    (selector: unknown, provider: unknown, ...extra: unknown[]) => {
      registrations.push({ kind, selector, provider, extra });
      return { dispose: () => undefined };
    };
  const api = {
    Position,
    Range,
    Uri,
    DiagnosticSeverity: { Error: 0, Warning: 1, Information: 2, Hint: 3 },
    Diagnostic: class {
      source?: string;
      code?: string;
      constructor(
        readonly range: Range,
        readonly message: string,
        readonly severity: number,
      ) {}
    },
    MarkdownString: class {
      constructor(readonly value: string) {}
    },
    CompletionItemKind: { Property: 9, EnumMember: 19 },
    CompletionItem: class {
      insertText?: string;
      range?: Range;
      constructor(
        readonly label: string,
        readonly kind: number,
      ) {}
    },
    Hover: class {
      constructor(
        readonly contents: { value: string },
        readonly range: Range,
      ) {}
    },
    CodeActionKind: { QuickFix: { value: 'quickfix' } },
    CodeAction: class {
      edit?: { edits: { uri: Uri; range: Range; text: string }[] };
      diagnostics?: unknown[];
      isPreferred?: boolean;
      constructor(
        readonly title: string,
        readonly kind: unknown,
      ) {}
    },
    WorkspaceEdit: class {
      readonly edits: { uri: Uri; range: Range; text: string }[] = [];
      replace(uri: Uri, range: Range, text: string): void {
        this.edits.push({ uri, range, text });
      }
    },
    FileType: { File: 1, Directory: 2 },
    languages: {
      createDiagnosticCollection: (name: string) => {
        const c = new DiagnosticCollection(name);
        collections.push(c);
        return c;
      },
      registerCompletionItemProvider: register('completion'),
      registerHoverProvider: register('hover'),
      registerCodeActionsProvider: register('codeAction'),
    },
    workspace: {
      get textDocuments() {
        return state.textDocuments;
      },
      get workspaceFolders() {
        return state.workspaceFolders;
      },
      onDidOpenTextDocument: events.open.event,
      onDidChangeTextDocument: events.change.event,
      onDidSaveTextDocument: events.save.event,
      onDidCloseTextDocument: events.close.event,
      getWorkspaceFolder: (uri: Uri) => state.workspaceFolders.find((f) => uri.path === f.uri.path || uri.path.startsWith(f.uri.path + '/')),
      openTextDocument: async (uri: Uri) => new TextDocument(uri, fs.readFileSync(uri.fsPath, 'utf8')),
      fs: {
        stat: async (uri: Uri) => {
          const s = fs.statSync(uri.fsPath);
          return { type: s.isDirectory() ? 2 : 1 };
        },
        readFile: async (uri: Uri) => new Uint8Array(fs.readFileSync(uri.fsPath)),
        writeFile: async (uri: Uri, content: Uint8Array) => fs.writeFileSync(uri.fsPath, content),
      },
    },
    window: {
      activeTextEditor: undefined,
      showQuickPick: async (items: { label: string }[]) => ui.quickPick?.(items),
      showInputBox: async (options: { value?: string; validateInput?: (v: string) => string | undefined }) => ui.inputBox?.(options),
      showWarningMessage: async (message: string) => ui.warning?.(message),
      showOpenDialog: async () => undefined,
      showTextDocument: async (doc: TextDocument) => {
        ui.shown.push(doc.uri.fsPath);
        return {};
      },
    },
  };
  return { api, collections, registrations, events, ui, state };
}

export type FakeVscode = ReturnType<typeof createFakeVscode>;

type Loader = (request: string, parent: unknown, isMain: boolean) => unknown;

/** Makes `require('vscode')` return the fake until the returned function is called. */
export function installFakeVscode(fake: FakeVscode): () => void {
  const moduleWithLoad = Module as unknown as { _load: Loader };
  const original = moduleWithLoad._load;
  moduleWithLoad._load = function (request: string, parent: unknown, isMain: boolean) {
    if (request === 'vscode') return fake.api;
    return original.call(this, request, parent, isMain);
  };
  return () => {
    moduleWithLoad._load = original;
  };
}
