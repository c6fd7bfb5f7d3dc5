/**
 * Test harness: an AppCore in a temp data directory, driven through the real IPC dispatcher
 * (so every request and answer is checked against the contract), with the test-only weak KDF.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { isBackboneError } from '../../../src-shared/errors.js';
import type {
  IpcChannel,
  IpcEvent,
  IpcRequest,
  IpcResponse,
} from '../../../src-shared/ipc/contract.js';
import { AppCore, type AppCoreOptions } from '../app-core.js';
import { createIpcDispatcher } from '../ipc-dispatcher.js';
import { createIpcHandlers, forwardCoreEvents } from '../ipc-handlers.js';
import type { Keychain } from '../session/keychain.js';
import type { Clipboard } from '../vault/clipboard.js';

export class IpcFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(`${code}: ${message}`);
  }
}

export interface TestCore {
  core: AppCore;
  dataDir: string;
  events: Array<{ event: IpcEvent; payload: unknown }>;
  call<C extends IpcChannel>(channel: C, request: IpcRequest<C>): Promise<IpcResponse<C>>;
  /** The error code of a failing call. */
  failure<C extends IpcChannel>(channel: C, request: IpcRequest<C>): Promise<string>;
  stop(): Promise<void>;
}

export async function startTestCore(
  options: {
    keychain?: Keychain;
    clipboard?: Clipboard;
    vault?: AppCoreOptions['vault'];
    dataDir?: string;
    /** Argon2id at the real floor instead of the test-only cheap parameters (benchmarks). */
    realKdf?: boolean;
  } = {},
): Promise<TestCore> {
  const dataDir = options.dataDir ?? (await mkdtemp(path.join(os.tmpdir(), 'bb-core-')));
  const unexpected: unknown[] = [];
  const core = new AppCore({
    dataDir,
    runtime: options.keychain ? 'electron' : 'browser',
    testMode: { weakKdf: options.realKdf !== true, ipcRecordFile: undefined },
    ...(options.keychain ? { keychain: options.keychain } : {}),
    ...(options.clipboard ? { clipboard: options.clipboard } : {}),
    ...(options.vault ? { vault: options.vault } : {}),
  });
  await core.start();
  const dispatch = createIpcDispatcher(createIpcHandlers(core), {
    onUnexpectedError: (error) => unexpected.push(error),
  });
  const events: TestCore['events'] = [];
  const stopForwarding = forwardCoreEvents(core, (event, payload) =>
    events.push({ event, payload }),
  );
  const call = async <C extends IpcChannel>(
    channel: C,
    request: IpcRequest<C>,
  ): Promise<IpcResponse<C>> => {
    const result = await dispatch(channel, request);
    if (!result.ok) {
      if (result.error.code === 'INTERNAL') console.error(unexpected.at(-1));
      throw new IpcFailure(result.error.code, result.error.message);
    }
    return result.response as IpcResponse<C>;
  };
  return {
    core,
    dataDir,
    events,
    call,
    async failure(channel, request) {
      try {
        await call(channel, request);
      } catch (error) {
        if (error instanceof IpcFailure) return error.code;
        if (isBackboneError(error)) return error.code;
        throw error;
      }
      return 'no error';
    },
    async stop() {
      stopForwarding();
      await core.stop();
      if (!options.dataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export const STRONG_PASSWORD = 'orbit lantern cactus violin';

/**
 * First run through the IPC: an identity under `password`, the Emergency Kit confirmed, the
 * server chosen, and — with `workspace` — a new workspace created.
 */
export async function onboardTestCore(
  core: TestCore,
  options: {
    displayName: string;
    server: { mode: 'embedded' } | { mode: 'remote'; url: string };
    workspace?: { displayName: string; workspaceId: string; username: string };
    password?: string;
  },
): Promise<void> {
  await core.call('onboarding.createIdentity', {
    displayName: options.displayName,
    password: options.password ?? STRONG_PASSWORD,
    acceptWeak: false,
  });
  const kit = await core.call('onboarding.emergencyKit', {});
  await core.call('onboarding.confirmEmergencyKit', {
    answers: kit.confirm.map((position) => ({ position, word: kit.words[position - 1]! })),
  });
  await core.call('onboarding.chooseServer', options.server);
  if (options.workspace) await core.call('onboarding.createWorkspace', options.workspace);
}
