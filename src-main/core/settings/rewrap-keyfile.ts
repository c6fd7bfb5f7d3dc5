/**
 * Re-wrapping this device's keyfile: a new password (and password access re-registered with
 * it, when it is set up) or stronger Argon2id parameters. The root secret and the device key do
 * not change. The current password is checked first; Argon2id runs in a worker with progress.
 */
import {
  assertParamsAtFloor,
  sodium,
  type PwhashParams,
} from '../../../src-shared/crypto/index.js';
import type { IpcRequest } from '../../../src-shared/ipc/contract.js';
import { registerPasswordAccess } from '../security/password-access.js';
import { enforcePasswordPolicy } from '../security/password-policy.js';
import type { CoreServices } from '../services.js';
import {
  keyfileParams,
  unlockKeyfileOffThread,
  wipeSecrets,
  wrapKeyfileOffThread,
} from '../session/keyfile-crypto.js';
import type { Operation } from '../session/progress.js';

type RewrapDeps = Pick<CoreServices, 'ctx' | 'session'>;

async function rewrap(
  core: RewrapDeps,
  operation: Operation,
  currentPassword: string,
  newPassword: string,
  params: PwhashParams | undefined,
  beforeWrite?: () => Promise<void>,
): Promise<void> {
  const { ctx, session } = core;
  const weakKdf = ctx.testMode.weakKdf;
  session.client(); // must be unlocked
  const keyfile = await ctx.profile.readKeyfile();
  const target = params ?? keyfileParams(keyfile);
  assertParamsAtFloor(target, { purpose: 'localUnlock', testOnlyAllowWeakParams: weakKdf });
  const opened = await session.progress.run(
    operation,
    'Checking your current password…',
    [keyfileParams(keyfile)],
    () => unlockKeyfileOffThread(keyfile, currentPassword, { weakKdf }),
  );
  sodium().memzero(opened.key);
  try {
    await beforeWrite?.();
    const { keyfile: next, key } = await session.progress.run(
      operation,
      'Protecting your keys again…',
      [target],
      () => wrapKeyfileOffThread(newPassword, opened, target, { weakKdf }),
    );
    try {
      await ctx.profile.writeKeyfile(next);
      const settings = await ctx.settings.read();
      if (settings.quickUnlock && session.quickUnlockStore.available) {
        await session.quickUnlockStore.enroll(next, key);
      } else {
        await session.quickUnlockStore.forget();
      }
    } finally {
      sodium().memzero(key);
    }
  } finally {
    wipeSecrets(opened);
  }
}

export async function changePassword(
  core: RewrapDeps,
  request: IpcRequest<'settings.changePassword'>,
): Promise<void> {
  const data = await core.ctx.profile.read();
  enforcePasswordPolicy(request.newPassword, request.acceptWeak, [
    data.identity?.displayName ?? '',
    data.username ?? '',
  ]);
  const state = await core.session.state();
  await rewrap(
    core,
    'changePassword',
    request.currentPassword,
    request.newPassword,
    undefined,
    async () => {
      // The server first: if it fails, nothing changed anywhere.
      if (state.passwordAccess) await registerPasswordAccess(core, request.newPassword, 'change');
    },
  );
  await core.session.emitChanged();
}

export async function changeKdf(
  core: RewrapDeps,
  request: IpcRequest<'settings.changeKdf'>,
): Promise<void> {
  await rewrap(core, 'changeKdf', request.password, request.password, request.params);
  if (!core.ctx.testMode.weakKdf || request.params.memlimit >= 256 * 1024 * 1024) {
    await core.ctx.settings.update((s) => ({ ...s, kdf: { ...request.params } }));
  }
}
