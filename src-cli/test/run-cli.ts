/**
 * Runs the `backbone` command from source (`node --import tsx src-cli/main.ts`) the way a user
 * does, for the CLI's integration tests: test mode with weak Argon2id, a fixed profile passphrase,
 * the test server's URL, and `HOME` in the test's temp folder.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const MAIN = path.join(ROOT, 'src-cli', 'main.ts');

/** The passphrase every test profile is created and opened with. */
export const TEST_PASSPHRASE = 'profile passphrase';

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  /** The test server's URL (`BACKBONE_SERVER`). */
  server: string;
  /** `HOME` of the child (a temp folder of the test). */
  tmp: string;
  /** `--home PROFILE_DIR`; omitted when undefined. */
  home?: string;
  /** Text written to the child's stdin (closed after it); stdin is ignored when undefined. */
  stdin?: string;
  /** More environment (`undefined` removes a variable). */
  env?: Record<string, string | undefined>;
}

export function runCli(args: string[], options: CliOptions): Promise<Run> {
  const env: Record<string, string | undefined> = {
    PATH: process.env.PATH,
    HOME: options.tmp,
    NODE_ENV: 'test',
    BACKBONE_TEST_WEAK_KDF: '1',
    BACKBONE_PASSPHRASE: TEST_PASSPHRASE,
    BACKBONE_SERVER: options.server,
    ...options.env,
  };
  const full = options.home ? ['--home', options.home, ...args] : args;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...full], {
      cwd: ROOT,
      env: env as NodeJS.ProcessEnv,
      stdio: [options.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    if (options.stdin !== undefined) child.stdin?.end(options.stdin);
  });
}
