// ESLint flat config: typescript-eslint's recommended rules over the TypeScript sources, tests and
// scripts; formatting is prettier's job (`npm run format:check`), not ESLint's.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      'out/',
      'dist/',
      'build/',
      '.vscode-test/',
      'media/webview/',
      'native/',
      'test-output/',
      'bench/results/',
      'runs/',
      'examples/runs/',
      'test/fixtures/workspace/runs/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: false } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      // Late binding through a closure (declared, read by a callback, assigned once after) is intended.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      'no-console': 'off',
    },
  },
  {
    // Scripts, benchmarks and the fake trainer run in Node as plain JavaScript.
    files: ['**/*.mjs', '**/*.cjs', '**/*.js'],
    languageOptions: { globals: globals.node },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // The VS Code test launcher also passes functions to the browser page (playwright's evaluate).
    files: ['scripts/run-vscode-tests.mjs'],
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
  },
  {
    // An empty catch states "nothing to do when this fails" (best-effort cleanup).
    rules: { 'no-empty': ['error', { allowEmptyCatch: true }] },
  },
);
