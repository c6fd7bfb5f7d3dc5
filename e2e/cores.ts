/**
 * App cores for end-to-end tests: each is `node dist/bridge/main.js --data-dir <tmp>` (browser
 * mode, after `npm run build`), a separate process with its own data directory — a separate
 * person or device. The test-only switches are set explicitly: NODE_ENV=test with
 * BACKBONE_TEST_WEAK_KDF=1 (cheap Argon2id), BACKBONE_TEST_IPC_RECORD (the bridge records every
 * frame it carries) and BACKBONE_TEST_KEY_REGISTRY (the core registers every secret it derives
 * or holds), so every core's traffic can be scanned for every core's secrets (secret-scan.ts);
 * optionally BACKBONE_TEST_PLANT_KEY=1 (the test-only answer that carries a key on purpose).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..');

export interface Core {
  name: string;
  url: string;
  dataDir: string;
  recordFile: string;
  registryFile: string;
  stderr: () => string;
  /** The recorded traffic and key registry (read before a stop removes them). */
  evidence(): Promise<CoreEvidence>;
  stop(options?: { keepData?: boolean }): Promise<void>;
}

export interface CoreEvidence {
  name: string;
  /** JSON lines {at, direction, frame}. */
  traffic: string;
  /** JSON lines {kind, hex}. */
  registry: string;
}

async function readIfThere(file: string): Promise<string> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw error;
  }
}

export async function startCore(options: {
  name: string;
  /** Answer the test-only channel that carries a key on purpose (planted-key.ts). */
  plantKey?: boolean;
  /** Start again on the data of a stopped core (stopped with `keepData`). */
  dataDir?: string;
}): Promise<Core> {
  const dataDir =
    options.dataDir ?? (await fs.mkdtemp(path.join(os.tmpdir(), `bb-e2e-${options.name}-`)));
  const recordFile = path.join(dataDir, '..', `${path.basename(dataDir)}.ipc.jsonl`);
  const registryFile = path.join(dataDir, '..', `${path.basename(dataDir)}.keys.jsonl`);
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
        BACKBONE_TEST_IPC_RECORD: recordFile,
        BACKBONE_TEST_KEY_REGISTRY: registryFile,
        ...(options.plantKey ? { BACKBONE_TEST_PLANT_KEY: '1' } : {}),
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
  let kept: CoreEvidence | undefined;
  const evidence = async (): Promise<CoreEvidence> =>
    kept ?? {
      name: options.name,
      traffic: await readIfThere(recordFile),
      registry: await readIfThere(registryFile),
    };
  return {
    name: options.name,
    url,
    dataDir,
    recordFile,
    registryFile,
    stderr: () => stderr,
    evidence,
    async stop({ keepData = false } = {}) {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      if (!keepData && kept === undefined) {
        kept = await evidence();
        await fs.rm(dataDir, { recursive: true, force: true });
        await fs.rm(recordFile, { force: true });
        await fs.rm(registryFile, { force: true });
      }
    },
  };
}
