/**
 * The one rule for which folders are searched for runs, shared by `hrnn runs`, the CLI's listing and
 * the extension's runs view: every folder below the root except those matching an exclude glob
 * (dependencies, build output, hidden folders by default; configurable as `--exclude` and the
 * `hamiltonianRnn.runs.exclude` setting). Globs are matched against the folder's path relative to the
 * root, with `/` separators. Pure: no file access, no vscode.
 */

/**
 * Folders never searched by default: dependencies, build output, caches, VCS and tool state (any
 * hidden folder). package.json's `hamiltonianRnn.runs.exclude` default is this list (a test keeps them equal).
 */
export const DEFAULT_RUN_SEARCH_EXCLUDE: readonly string[] = [
  '**/node_modules',
  '**/.*',
  '**/out',
  '**/dist',
  '**/build',
  '**/__pycache__',
  '**/venv',
  '**/site-packages',
];

function escapeRegExp(text: string): string {
  return text.replace(/[.+^$()|[\]\\]/gu, '\\$&');
}

/**
 * A glob as a regular expression over a relative path: `**` any number of folders, `*` and `?`
 * within one name, `{a,b}` alternatives. A trailing `/**` is dropped: excluding a folder excludes
 * what is below it anyway.
 */
export function globToRegExp(glob: string): RegExp {
  const pattern = glob.trim().replace(/\\/gu, '/').replace(/^\.\//u, '').replace(/\/\*\*$/u, '');
  let out = '';
  let braces = 0;
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i];
    if (ch === '*' && pattern[i + 1] === '*') {
      // `**/` matches zero or more whole folders; a lone `**` matches anything.
      if (pattern[i + 2] === '/') {
        out += '(?:[^/]*/)*';
        i += 2;
      } else {
        out += '.*';
        i += 1;
      }
    } else if (ch === '*') out += '[^/]*';
    else if (ch === '?') out += '[^/]';
    else if (ch === '{') {
      braces++;
      out += '(?:';
    } else if (ch === '}' && braces > 0) {
      braces--;
      out += ')';
    } else if (ch === ',' && braces > 0) out += '|';
    else out += escapeRegExp(ch);
  }
  out += ')'.repeat(braces);
  return new RegExp(`^${out}$`, 'u');
}

/** Decides which folders a search for runs skips. */
export class RunSearchScope {
  private readonly excluded: RegExp[];

  constructor(readonly exclude: readonly string[] = DEFAULT_RUN_SEARCH_EXCLUDE) {
    this.excluded = exclude.filter((g) => g.trim() !== '').map(globToRegExp);
  }

  /** The defaults plus `extra` (what `hrnn runs --exclude` adds). */
  static withExtra(extra: readonly string[]): RunSearchScope {
    return new RunSearchScope([...DEFAULT_RUN_SEARCH_EXCLUDE, ...extra]);
  }

  /**
   * Whether the folder at `relativePath` (from the search root, `/` or `\` separated), or a folder
   * above it, is excluded. The root itself ('' or '.') never is: a folder asked for is searched.
   */
  isExcluded(relativePath: string): boolean {
    const parts = relativePath
      .replace(/\\/gu, '/')
      .split('/')
      .filter((p) => p !== '' && p !== '.');
    for (let depth = 1; depth <= parts.length; depth++) {
      const prefix = parts.slice(0, depth).join('/');
      if (this.excluded.some((re) => re.test(prefix))) return true;
    }
    return false;
  }

  /**
   * The excludes as one glob for VS Code's `findFiles` (`{a/**,b/**}`), a first filter only: results
   * still go through isExcluded. Undefined when a glob has its own braces (they would nest).
   */
  findFilesExclude(): string | undefined {
    if (this.exclude.length === 0 || this.exclude.some((g) => /[{}]/u.test(g))) return undefined;
    return `{${this.exclude.map((g) => `${g.replace(/\/\*\*$/u, '')}/**`).join(',')}}`;
  }
}
