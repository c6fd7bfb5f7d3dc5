#!/usr/bin/env node
/**
 * `npm run screenshots`: runs the end-to-end tests with their screenshots going to
 * docs/screenshots/ (the pictures the README and the user guide show). `npm test` writes them to
 * the ignored test-results/screenshots/ instead, so a test run never modifies tracked files.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const result = spawnSync(npm, ['run', 'test:e2e', '--', ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
  shell: process.platform === 'win32',
  env: { ...process.env, BACKBONE_SCREENSHOTS_DIR: path.join(root, 'docs', 'screenshots') },
});
process.exit(result.status ?? 1);
