/**
 * The core keeps answering while password access hashes a password: SPAKE2+EE's Argon2id (at
 * registration and at sign-in) goes through the core's Argon2id worker interface
 * (`argon2idOffThread`), never the main thread. Proved structurally: the test holds that
 * derivation open (`argon2Options.beforeJob`) and another IPC call answers meanwhile. On a
 * main-thread hash the held job never shows up and the test fails.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cryptoReady } from '../../../src-shared/crypto/index.js';
import { startSdkTestServer, type SdkTestServer } from '../../../src-shared/sdk/test/server.js';
import {
  onboardTestCore,
  STRONG_PASSWORD,
  startTestCore,
  type TestCore,
} from '../test/core-harness.js';
import { argon2Options, hasWarmArgon2 } from './argon2-worker.js';

/** SPAKE2+EE asks Argon2id for 128 bytes (h_M ‖ h_N ‖ h_K ‖ h_L); keyfiles for 32. */
const SPAKE_OUTPUT = 128;

let server: SdkTestServer;
const cores: TestCore[] = [];

beforeAll(async () => {
  await cryptoReady();
  server = await startSdkTestServer();
});
afterEach(() => {
  delete argon2Options.beforeJob;
});
afterAll(async () => {
  for (const core of cores) await core.stop();
  await server?.close();
});

interface Gate {
  /** Resolves when a SPAKE2+EE derivation reached the worker interface (and is held there). */
  held: Promise<void>;
  release(): void;
  lengths: number[];
}

/** Holds the first SPAKE2+EE derivation at the worker interface until `release()`. */
function holdSpakeDerivation(): Gate {
  let reached!: () => void;
  let release!: () => void;
  const held = new Promise<void>((resolve) => (reached = resolve));
  const released = new Promise<void>((resolve) => (release = resolve));
  const lengths: number[] = [];
  let holding = false;
  argon2Options.beforeJob = async (job) => {
    lengths.push(job.length);
    if (job.length !== SPAKE_OUTPUT || holding) return;
    holding = true;
    reached();
    await released;
  };
  return { held, release, lengths };
}

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([
    promise,
    new Promise<T>((_, reject) =>
      setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms),
    ),
  ]);
}

describe('password access hashes off the core main thread', () => {
  it('registration and sign-in: the core answers another call while SPAKE2+EE derives', async () => {
    const owner = await startTestCore();
    cores.push(owner);
    await onboardTestCore(owner, {
      displayName: 'Olive',
      server: { mode: 'remote', url: server.url },
    });

    // Registration (with the new workspace): the verifier's Argon2id is held in the worker path.
    const register = holdSpakeDerivation();
    const created = owner.call('onboarding.createWorkspace', {
      displayName: 'Olive’s',
      workspaceId: 'olive-space',
      username: 'olive',
      password: STRONG_PASSWORD,
    });
    await within(register.held, 60_000, 'the registration derivation through the worker');
    const meanwhile = await within(owner.call('session.state', {}), 10_000, 'session.state');
    expect(meanwhile.state).toBe('unlocked');
    register.release();
    const state = await created;
    expect(state.passwordAccess).toBe(true);
    // The keyfile blob (32 bytes) and the verifier (128) both went through the worker.
    expect(register.lengths).toContain(32);
    expect(register.lengths).toContain(SPAKE_OUTPUT);

    // Sign-in on a new device: the client's step-1 Argon2id is held; the core still answers.
    const laptop = await startTestCore();
    cores.push(laptop);
    const signIn = holdSpakeDerivation();
    const signedIn = laptop.call('onboarding.signInWithPassword', {
      serverUrl: server.url,
      workspaceId: 'olive-space',
      username: 'olive',
      password: STRONG_PASSWORD,
      expectFingerprint: state.setup.workspace!.fingerprint,
    });
    await within(signIn.held, 60_000, 'the sign-in derivation through the worker');
    const during = await within(laptop.call('session.state', {}), 10_000, 'session.state');
    expect(during.state).toBe('none');
    signIn.release();
    expect((await signedIn).state).toBe('unlocked');
    // Then: the blob's keyfile opened and this device's keyfile written, in the worker too.
    expect(signIn.lengths.filter((n) => n === 32).length).toBeGreaterThanOrEqual(2);
  }, 240_000);

  it('a warm worker waits while locked and is ended once unlocked', async () => {
    const core = await startTestCore();
    cores.push(core);
    await onboardTestCore(core, { displayName: 'Wes', server: { mode: 'embedded' } });
    expect(hasWarmArgon2()).toBe(false);
    await core.call('session.lock', {});
    expect(hasWarmArgon2()).toBe(true);
    expect((await core.call('session.unlock', { password: STRONG_PASSWORD })).state).toBe(
      'unlocked',
    );
    expect(hasWarmArgon2()).toBe(false);
  });
});
