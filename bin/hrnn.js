#!/usr/bin/env node
// Entry of the `hrnn` command: the bundled CLI (built by `npm run build`, which `npm ci` runs).
'use strict';
const path = require('path');
const fs = require('fs');
const cli = path.join(__dirname, '..', 'dist', 'cli.js');
if (!fs.existsSync(cli)) {
  process.stderr.write(`hrnn: ${cli} is missing; run \`npm run build\` in ${path.dirname(__dirname)} first.\n`);
  process.exit(2);
}
require(cli).runCli(process.argv.slice(2));
