#!/usr/bin/env node
/**
 * `npm start`: builds the app, then launches Electron. When the Electron binary cannot run
 * (not downloaded, no display, missing system libraries), says so plainly and starts browser
 * mode instead: the same app core and renderer behind a loopback bridge, printing its URL.
 *
 *   npm start                      build, then Electron (or browser mode as a fallback)
 *   npm start -- --browser         browser mode directly
 *   npm start -- --data-dir DIR    keep data in DIR (browser mode; Electron uses its userData)
 *   npm start -- --port N          browser mode port (default: a free random port)
 */
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from './build.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// If Electron has not failed within this time, it is running.
const ELECTRON_GRACE_MS = 8000;

const { values } = parseArgs({
  options: {
    browser: { type: 'boolean', default: false },
    'data-dir': { type: 'string' },
    port: { type: 'string' },
  },
  strict: true,
});

/** Finds the Electron binary without letting its lazy download hang or crash us. */
function findElectron() {
  const probe = spawnSync(
    process.execPath,
    ['-e', "process.stdout.write(String(require('electron')))"],
    { cwd: root, encoding: 'utf8', timeout: 120_000 },
  );
  if (probe.status === 0 && probe.stdout) return { path: probe.stdout };
  const errorLines = (probe.stderr || '').split('\n').filter((line) => /^\w*Error: /.test(line));
  const reason = probe.error
    ? probe.error.message
    : (errorLines.pop() ?? 'the electron package did not report a binary path');
  return { error: reason };
}

function startElectron(electronPath) {
  return new Promise((resolve) => {
    const child = spawn(electronPath, [path.join(root, 'dist/main/main.js')], {
      cwd: root,
      stdio: ['ignore', 'inherit', 'pipe'],
    });
    let stderr = '';
    let settled = false;
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
      process.stderr.write(chunk);
    });
    const timer = setTimeout(() => {
      settled = true;
      resolve({ running: child });
    }, ELECTRON_GRACE_MS);
    child.on('error', (error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ error: error.message });
    });
    child.on('exit', (code, signal) => {
      if (settled) {
        process.exit(code ?? 1);
        return;
      }
      settled = true;
      clearTimeout(timer);
      const last = stderr.trim().split('\n').filter(Boolean).pop();
      resolve({ error: last || `Electron exited (${signal ?? `code ${code}`})` });
    });
  });
}

function startBrowserMode() {
  const args = [path.join(root, 'dist/bridge/main.js')];
  if (values['data-dir']) args.push('--data-dir', values['data-dir']);
  if (values.port) args.push('--port', values.port);
  const child = spawn(process.execPath, args, { cwd: root, stdio: 'inherit' });
  const forward = (signal) => child.kill(signal);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  child.on('exit', (code) => process.exit(code ?? 0));
}

function notice(reason) {
  const line = '─'.repeat(72);
  process.stderr.write(
    `${line}\n` +
      `Electron cannot run on this machine, so Backbone starts in browser mode instead.\n` +
      `Reason: ${reason}\n` +
      `Browser mode is the same app core and screens, served only to this computer\n` +
      `(127.0.0.1) behind a secret token. Open the URL below in a browser.\n` +
      `${line}\n`,
  );
}

async function main() {
  process.stderr.write('Building Backbone…\n');
  await build({ quiet: true });

  if (values.browser) {
    startBrowserMode();
    return;
  }
  const electron = findElectron();
  if (electron.error) {
    notice(electron.error);
    startBrowserMode();
    return;
  }
  const result = await startElectron(electron.path);
  if (result.error) {
    notice(result.error);
    startBrowserMode();
  }
}

main().catch((error) => {
  process.stderr.write(`npm start failed: ${error instanceof Error ? error.message : error}\n`);
  process.exit(1);
});
