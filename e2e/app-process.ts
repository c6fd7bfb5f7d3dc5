/**
 * Starts Backbone the way a user does (`npm start` → scripts/start.js) and waits for the
 * browser-mode URL it prints.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

export interface RunningApp {
  url: string;
  dataDir: string;
  stdout: () => string;
  stderr: () => string;
  stop(): Promise<void>;
}

export async function startApp(extraArgs: string[] = []): Promise<RunningApp> {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'bb-e2e-'));
  const child: ChildProcess = spawn(
    process.execPath,
    ['scripts/start.js', '--data-dir', dataDir, ...extraArgs],
    { cwd: path.resolve(import.meta.dirname, '..'), detached: true, stdio: 'pipe' },
  );
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no URL within 90 s\n${stdout}\n${stderr}`)),
      90_000,
    );
    child.stdout!.on('data', (chunk) => {
      stdout += chunk;
      const match = /Open: (http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+)/.exec(stdout);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`npm start exited (${code})\n${stdout}\n${stderr}`));
    });
  });
  return {
    url,
    dataDir,
    stdout: () => stdout,
    stderr: () => stderr,
    async stop() {
      if (child.exitCode === null && child.pid) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        process.kill(-child.pid, 'SIGTERM');
        await exited;
      }
      await fs.rm(dataDir, { recursive: true, force: true });
    },
  };
}
