#!/usr/bin/env node
// Runs the compiled suite with mocha. Plain JS so that it runs before anything is built.
'use strict';
const { spawnSync } = require('child_process');
const path = require('path');
const root = path.resolve(__dirname, '..', '..');
const mocha = path.join(root, 'node_modules', '.bin', 'mocha');
const result = spawnSync(mocha, process.argv.slice(2), { cwd: root, stdio: 'inherit' });
process.exit(result.status === null ? 1 : result.status);
