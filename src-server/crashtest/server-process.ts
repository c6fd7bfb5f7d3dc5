/**
 * The crash test's server child process (serve-entry.ts): start it on a data directory (and
 * PostgreSQL database), wait until it listens, kill it with SIGKILL at any moment.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SERVER_ENV } from '../config.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '..', '..');
const START_TIMEOUT_MS = 60_000;
/** The server child's entry. */
export const SERVE_ENTRY = path.join(HERE, 'serve-entry.ts');

const bundles = new Map<string, Promise<string>>();

/**
 * Bundles a child entry (`serve-entry.ts`, `client-writer.ts`) once per test process (esbuild,
 * native and wasm packages left external): starting through tsx costs seconds of compiling
 * per start on a loaded machine, and the crash test starts children hundreds of times. The
 * bundle goes to `.cache/crashtest/` in the repository (git-ignored), where its external
 * packages resolve.
 */
export function prepareEntry(entryFile: string): Promise<string> {
  const name = path.basename(entryFile, '.ts');
  let bundled = bundles.get(name);
  if (!bundled) {
    bundled = (async () => {
      const outfile = path.join(REPO, '.cache', 'crashtest', `${name}.mjs`);
      const { build } = await import('esbuild');
      await build({
        entryPoints: [entryFile],
        outfile,
        bundle: true,
        platform: 'node',
        format: 'esm',
        target: 'node20',
        external: ['better-sqlite3', 'pg', 'pg-native', 'libsodium-wrappers-sumo'],
        logLevel: 'error',
        // CommonJS packages inside an ESM bundle need a require.
        banner: {
          js: "import { createRequire as __crashRequire } from 'node:module'; const require = __crashRequire(import.meta.url);",
        },
      });
      return outfile;
    })();
    bundles.set(name, bundled);
  }
  return bundled;
}

export interface CrashServer {
  child: ChildProcess;
  /** Resolves with the URL once the server listens; rejects if it exits first or times out. */
  listening: Promise<string>;
  /** Resolves when the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** What the process wrote on stderr (the first 20 kB). */
  stderr(): string;
  /** SIGKILL now (no-op if it already exited); resolves once it is gone. */
  kill(): Promise<void>;
}

/** Starts the server child; call `prepareEntry(SERVE_ENTRY)` first and pass its result. */
export function spawnCrashServer(
  entry: string,
  dataDir: string,
  port: number,
  postgresUrl?: string,
): CrashServer {
  const env: NodeJS.ProcessEnv = { ...process.env, CRASHTEST_PORT: String(port) };
  for (const name of Object.values(SERVER_ENV)) delete env[name];
  const child = spawn(process.execPath, [entry, dataDir, postgresUrl ?? ''], {
    cwd: REPO,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  let stdout = '';
  child.stderr?.setEncoding('utf8').on('data', (text: string) => {
    if (stderr.length < 20_000) stderr += text;
  });
  let done = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      done = true;
      resolve({ code, signal });
    });
  });
  const killOnExit = () => {
    if (!done) child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);
  void exited.then(() => process.removeListener('exit', killOnExit));

  const listening = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`the server did not listen within ${START_TIMEOUT_MS / 1000} s`)),
      START_TIMEOUT_MS,
    );
    child.stdout?.setEncoding('utf8').on('data', (text: string) => {
      stdout += text;
      const url = /listening (http:\/\/\S+)/.exec(stdout)?.[1];
      if (url) {
        clearTimeout(timer);
        resolve(url);
      }
    });
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(
        new Error(
          `the server exited (code ${code}, signal ${signal}) before listening: ${stderr.trim().slice(-2000)}`,
        ),
      );
    });
  });
  listening.catch(() => undefined);

  return {
    child,
    listening,
    exited,
    stderr: () => stderr,
    async kill() {
      if (!done) child.kill('SIGKILL');
      await exited;
    },
  };
}
