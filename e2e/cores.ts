/**
 * App cores for end-to-end tests: each is `node dist/bridge/main.js --data-dir <tmp>` (browser
 * mode, after `npm run build`), a separate process with its own data directory — a separate
 * person or device. The test-only switches are set explicitly: NODE_ENV=test with
 * BACKBONE_TEST_WEAK_KDF=1 (cheap Argon2id), and optionally BACKBONE_TEST_IPC_RECORD (the
 * bridge records every frame it carries).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..');

export interface Core {
  url: string;
  dataDir: string;
  recordFile: string | undefined;
  stderr: () => string;
  stop(options?: { keepData?: boolean }): Promise<void>;
}

export async function startCore(options: {
  record?: boolean;
  name: string;
  /** Start again on the data of a stopped core (stopped with `keepData`). */
  dataDir?: string;
}): Promise<Core> {
  const dataDir =
    options.dataDir ?? (await fs.mkdtemp(path.join(os.tmpdir(), `bb-e2e-${options.name}-`)));
  const recordFile = options.record
    ? path.join(dataDir, '..', `${path.basename(dataDir)}.ipc.jsonl`)
    : undefined;
  const child: ChildProcess = spawn(
    process.execPath,
    ['dist/bridge/main.js', '--data-dir', dataDir],
    {
      cwd: ROOT,
      stdio: 'pipe',
      env: {
        PATH: process.env.PATH,
        HOME: dataDir,
        NODE_ENV: 'test',
        BACKBONE_TEST_WEAK_KDF: '1',
        ...(recordFile ? { BACKBONE_TEST_IPC_RECORD: recordFile } : {}),
      },
    },
  );
  let stdout = '';
  let stderr = '';
  // Kept in test-results/ too, to read after a failure (a core that crashed says why there).
  await fs.mkdir(path.join(ROOT, 'test-results'), { recursive: true });
  const log = path.join(ROOT, 'test-results', `core-${options.name}.log`);
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk;
    void fs.appendFile(log, chunk);
  });
  child.on('exit', (code, signal) => {
    void fs.appendFile(log, `\n[core exited: code ${code}, signal ${signal}]\n`);
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL within 30 s\n${stderr}`)), 30_000);
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
      reject(new Error(`core exited (${code})\n${stdout}\n${stderr}`));
    });
  });
  return {
    url,
    dataDir,
    recordFile,
    stderr: () => stderr,
    async stop({ keepData = false } = {}) {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      if (!keepData) {
        await fs.rm(dataDir, { recursive: true, force: true });
        if (recordFile) await fs.rm(recordFile, { force: true });
      }
    },
  };
}
