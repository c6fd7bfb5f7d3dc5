/**
 * Hostile payloads on every IPC channel of the contract (`ipcChannels`), through the real
 * dispatcher of an AppCore in test mode (core-harness.ts): one core still in onboarding, one
 * onboarded with a workspace on a test server. Payloads: plausible requests built from the
 * channel's own zod schema (right keys, values that may or may not fit), the same with one field
 * broken, and anything at all. Every case: the dispatcher answers (never throws); a refusal has
 * a typed code — never `INTERNAL` (no unexpected error reached the dispatcher); a refused call
 * leaves the core's data directory as it was; the core keeps answering `app.status`.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import fc from 'fast-check';
import type { z } from 'zod';
import { cryptoReady } from '../../src-shared/crypto/index.js';
import { ipcChannels, type IpcChannel } from '../../src-shared/ipc/contract.js';
import type { IpcResult } from '../../src-shared/ipc/result.js';
import { startSdkTestServer } from '../../src-shared/sdk/test/server.js';
import type { AppCore } from '../../src-main/core/app-core.js';
import { createIpcDispatcher } from '../../src-main/core/ipc-dispatcher.js';
import { createIpcHandlers } from '../../src-main/core/ipc-handlers.js';
import {
  onboardTestCore,
  startTestCore,
  STRONG_PASSWORD,
} from '../../src-main/core/test/core-harness.js';
import type { EntryPoint, Suite, SuiteInstance } from '../harness.js';
import { violation } from '../harness.js';
import { mutatedJson, replacement, type JsonObject } from '../server/generators.js';

const WORKSPACE = 'fuzz-team';

/** Channels whose valid calls run Argon2id (or a handshake): fewer cases, same checks. */
const SLOW_CHANNELS = new Set<string>([
  'settings.enablePasswordAccess',
  'settings.revealEmergencyKit',
  'settings.changePassword',
  'settings.changeKdf',
  'session.unlock',
  'onboarding.signInWithPassword',
  'onboarding.restoreFromKit',
  'onboarding.createIdentity',
]);

const plausibleStrings = fc.constantFrom(
  'team',
  'team/x',
  'team/missing',
  'alice',
  'bob',
  WORKSPACE,
  'other-ws',
  STRONG_PASSWORD,
  'wrong password',
  'http://127.0.0.1:1',
  'https://example.invalid',
  '../../etc/passwd',
  '',
  'x'.repeat(2000),
);

interface ZodDef {
  type: string;
  shape?: Record<string, z.ZodType>;
  element?: z.ZodType;
  innerType?: z.ZodType;
  options?: z.ZodType[];
  entries?: Record<string, unknown>;
  values?: unknown[];
  in?: z.ZodType;
}

const defOf = (schema: z.ZodType) => (schema as unknown as { _zod: { def: ZodDef } })._zod.def;

/** A value shaped like `schema` wants (keys, enums, literals), with values that may not fit. */
export function plausible(schema: z.ZodType, depth = 0): fc.Arbitrary<unknown> {
  const def = defOf(schema);
  if (depth > 5) return fc.constant(null);
  switch (def.type) {
    case 'object': {
      const shape = (schema as unknown as { shape: Record<string, z.ZodType> }).shape;
      const keys = Object.keys(shape);
      return fc.record(Object.fromEntries(keys.map((k) => [k, plausible(shape[k]!, depth + 1)])), {
        requiredKeys: keys.filter((k) => defOf(shape[k]!).type !== 'optional'),
      });
    }
    case 'string':
      return fc.oneof({ weight: 3, arbitrary: plausibleStrings }, fc.string({ maxLength: 40 }));
    case 'enum':
      return fc.constantFrom(...Object.values(def.entries ?? { x: 'x' }));
    case 'literal':
      return fc.constantFrom(...(def.values ?? [null]));
    case 'boolean':
      return fc.boolean();
    case 'number':
    case 'int':
      return fc.oneof(
        fc.integer({ min: -5, max: 100_000 }),
        fc.constantFrom(0, 1, 60, 1e300, -1, 0.5),
      );
    case 'array':
      return fc.array(plausible(def.element!, depth + 1), { maxLength: 3 });
    case 'optional':
    case 'nullable':
    case 'default':
    case 'readonly':
      return plausible(def.innerType!, depth + 1);
    case 'union':
      return fc.oneof(...(def.options ?? []).map((o) => plausible(o, depth + 1)));
    case 'pipe':
      return plausible(def.in!, depth + 1);
    default:
      return replacement;
  }
}

function payloadArbitrary(channel: IpcChannel): fc.Arbitrary<unknown> {
  const schema = ipcChannels[channel].request as unknown as z.ZodType;
  const base = plausible(schema);
  return fc.oneof(
    { weight: 4, arbitrary: base },
    {
      weight: 4,
      arbitrary: base.chain((value) =>
        value !== null && typeof value === 'object' && Object.keys(value).length > 0
          ? mutatedJson(value as JsonObject)
          : fc.constant(value),
      ),
    },
    { weight: 2, arbitrary: fc.anything({ maxDepth: 2 }) },
    fc.constantFrom(undefined, null, '', [], 0, Object.create(null), { __proto__: { a: 1 } }),
  );
}

/**
 * Left out of the digest: the offline copy, re-encrypted (fresh nonce) whenever the core
 * refreshes its view from the server — which a refused call may trigger. Its plaintext is the
 * server's state, which the HTTP suite checks.
 */
const OFFLINE_COPY_DIR = 'cache';

/** Hash of every file under `dir`: `name:hash` lines, so a change names its files. */
async function digestDir(dir: string): Promise<string> {
  const lines: string[] = [];
  const walk = async (at: string): Promise<void> => {
    const entries = (await readdir(at, { withFileTypes: true })).sort((a, b) =>
      a.name.localeCompare(b.name),
    );
    for (const entry of entries) {
      const full = path.join(at, entry.name);
      if (entry.isDirectory()) {
        if (path.relative(dir, full) !== OFFLINE_COPY_DIR) await walk(full);
      } else if (entry.isFile()) {
        const content = await readFile(full).catch(() => Buffer.from('(gone)'));
        const hash = createHash('sha256').update(content).digest('hex').slice(0, 16);
        lines.push(`${path.relative(dir, full)}:${hash}`);
      }
    }
  };
  await walk(dir);
  return lines.sort().join('\n');
}

function changedFiles(before: string, after: string): string[] {
  const a = new Set(before.split('\n'));
  const b = new Set(after.split('\n'));
  const names = (set: Set<string>, other: Set<string>) =>
    [...set].filter((line) => !other.has(line)).map((line) => line.replace(/:[0-9a-f]+$/, ''));
  return [...new Set([...names(a, b), ...names(b, a)])];
}

/** The digest once two reads 10 ms apart agree (background writes have landed). */
async function stableDigest(dir: string): Promise<string> {
  let previous = await digestDir(dir);
  for (let i = 0; i < 40; i++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    const now = await digestDir(dir);
    if (now === previous) return now;
    previous = now;
  }
  return previous;
}

interface FuzzCore {
  name: string;
  dataDir: string;
  dispatch(channel: unknown, request: unknown): Promise<IpcResult>;
  unexpected: unknown[];
  stop(): Promise<void>;
}

async function fuzzCore(name: string, onboard?: string): Promise<FuzzCore> {
  // The offline copy is refreshed at once after a write, not 2 s later: a delayed refresh of
  // the setup's writes would land during a later case and look like a refused request's change.
  const test = await startTestCore({ vault: { refreshDelayMs: 0 } });
  if (onboard) {
    await onboardTestCore(test, {
      displayName: name,
      server: { mode: 'remote', url: onboard },
      workspace: { displayName: 'Fuzz', workspaceId: WORKSPACE, username: 'alice' },
    });
    await test
      .call('vault.createNamespace', { path: 'team', isolated: false })
      .catch(() => undefined);
    await test
      .call('vault.setEntry', { path: 'team/x', value: 'x-1', expiresAt: null })
      .catch(() => undefined);
  }
  // A dispatcher of our own, to see unexpected errors (the harness's logs them).
  const unexpected: unknown[] = [];
  const dispatch = createIpcDispatcher(createIpcHandlers(test.core as AppCore), {
    onUnexpectedError: (error) => unexpected.push(error),
  });
  return { name, dataDir: test.dataDir, dispatch, unexpected, stop: () => test.stop() };
}

async function setupIpc(): Promise<SuiteInstance> {
  await cryptoReady();
  const server = await startSdkTestServer();
  const cores = [await fuzzCore('fresh'), await fuzzCore('onboarded', server.url)];
  const digests = await Promise.all(cores.map((c) => stableDigest(c.dataDir)));
  const settling = cores.map(() => false);
  const entryPoints = (Object.keys(ipcChannels) as IpcChannel[]).map(
    (channel): EntryPoint<{ core: number; payload: unknown }> => ({
      name: `ipc ${channel}`,
      weight: SLOW_CHANNELS.has(channel) ? 0.1 : 1,
      arbitrary: fc.record({
        core: fc.nat({ max: cores.length - 1 }),
        payload: payloadArbitrary(channel),
      }),
      async check({ core: index, payload }) {
        const core = cores[index]!;
        // A success may leave background writes (cache, sync) landing a little later.
        if (settling[index]) digests[index] = await stableDigest(core.dataDir);
        let result: IpcResult;
        try {
          result = await core.dispatch(channel, payload);
        } catch (error) {
          violation(`the dispatcher threw on ${channel} (${core.name}): ${String(error)}`);
        }
        const before = digests[index]!;
        const after = await digestDir(core.dataDir);
        digests[index] = after;
        settling[index] = result.ok;
        if (result.ok) return;
        const { code, message } = result.error;
        if (typeof code !== 'string' || typeof message !== 'string' || code.length === 0) {
          violation(`untyped error from ${channel}: ${JSON.stringify(result.error)}`);
        }
        if (code === 'INTERNAL' || core.unexpected.length > 0) {
          const cause = core.unexpected.splice(0).map(String).join('; ');
          violation(`${channel} (${core.name}) answered INTERNAL: ${cause.slice(0, 500)}`);
        }
        if (before !== after && changedFiles(before, after).length > 0) {
          violation(
            `a refused ${channel} (${code}) changed the data directory of the ${core.name} core: ${changedFiles(before, after).join(', ')}`,
          );
        }
      },
    }),
  );
  return {
    entryPoints,
    async probe() {
      for (const core of cores) {
        const status = await core.dispatch('app.status', {});
        if (!status.ok) violation(`the ${core.name} core stopped answering: ${status.error.code}`);
      }
    },
    async close() {
      for (const core of cores) await core.stop();
      await server.close();
    },
  };
}

export const coreIpcSuite: Suite = { name: 'core-ipc', weight: 10, setup: setupIpc };
