#!/usr/bin/env node
// Launcher for the `backbone` command: runs the built CLI (npm run build makes it).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../dist/cli/backbone.js', import.meta.url));
if (!existsSync(cli)) {
  process.stderr.write('backbone: the CLI is not built yet. Run `npm run build` first.\n');
  process.exit(70);
}
await import(cli);
