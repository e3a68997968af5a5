// @vscode/test-cli configuration: runs the integration suite in desktop VS Code for users with a
// network (`npx vscode-test`; it downloads VS Code). Here, without a network, the same suite runs in
// code-server through `npm run test:integration` (scripts/run-vscode-tests.mjs), which adds the UI
// driver; without it the command-palette steps use the command API and the reload test is skipped.
import { defineConfig } from '@vscode/test-cli';

export default defineConfig({
  label: 'integration',
  files: 'out/test/integration/**/*.test.js',
  version: '1.100.3',
  workspaceFolder: './test/fixtures/workspace',
  launchArgs: ['--disable-extensions', '--disable-workspace-trust'],
  mocha: { ui: 'bdd', timeout: 120000, color: true },
});
