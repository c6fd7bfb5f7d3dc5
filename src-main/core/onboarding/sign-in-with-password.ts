/**
 * A new device with only the password (password access, docs/password-access.md): SPAKE2+EE
 * with the server gives back the keyfile blob (the root secret wrapped under the password); the
 * core opens it, makes a NEW device key for this machine (so each device can be revoked on its
 * own), saves a local keyfile under the same password, logs in, and verifies the workspace.
 * The workspace becomes this device's only with the fingerprint the user confirmed; without it
 * the user goes on at the workspace step (compare the fingerprint, then open it).
 *
 * The SDK's `BackboneClient.fromCredentials` does the same but keeps the root secret inside the
 * client; the core needs it for its own keyfile (written with Argon2id in a worker), so it runs
 * the protocol steps itself with the same shared modules. Every Argon2id here (SPAKE2+EE's and
 * both keyfiles') runs in the worker of `argon2-worker.ts`: the core keeps answering.
 */
import {
  cryptoReady,
  fromUtf8,
  generateSignKeyPair,
  parseKeyfile,
  PWHASH_FLOORS,
  randomBytes,
  sodium,
  type Keyfile,
} from '../../../src-shared/crypto/index.js';
import { BackboneError } from '../../../src-shared/errors.js';
import type { IpcRequest, SessionState } from '../../../src-shared/ipc/contract.js';
import { passwordLogin } from '../../../src-shared/pake/client.js';
import { connectNodeWebSocket } from '../../../src-shared/pake/connection.js';
import { normalizeUsername } from '../../../src-shared/pake/protocol.js';
import { PASSWORD_ACCESS_PATH, webSocketUrl } from '../../../src-shared/sdk/client.js';
import type { CoreServices } from '../services.js';
import { argon2idOffThread } from '../session/argon2-worker.js';
import { unlockKeyfileOffThread, wipeSecrets } from '../session/keyfile-crypto.js';
import { saveIdentity } from './save-identity.js';

export function signInWithPassword(
  core: Pick<CoreServices, 'ctx' | 'session' | 'servers' | 'workspace'>,
  request: IpcRequest<'onboarding.signInWithPassword'>,
): Promise<SessionState> {
  const { ctx, session, servers, workspace } = core;
  return session.transition(async (scope) => {
    if (await session.hasIdentity()) {
      throw new BackboneError(
        'SESSION_WRONG_STATE',
        'This device already has an identity. Unlock it instead.',
      );
    }
    await cryptoReady();
    const username = normalizeUsername(request.username);
    // Checked now, used only once the password opened the keyfile: a refused sign-in (wrong
    // password, unknown name) leaves the server choice and its pin as they were.
    const prepared = await servers.prepareRemote(request.serverUrl);
    const server = prepared.choice;
    const floor = PWHASH_FLOORS.localUnlock;
    const secrets = await session.progress.run(
      'signIn',
      'Signing in with your password…',
      [floor, floor],
      async () => {
        const conn = await connectNodeWebSocket(webSocketUrl(server.url, PASSWORD_ACCESS_PATH));
        const blob = await passwordLogin(conn, {
          workspace: request.workspaceId,
          username,
          password: request.password,
          serverId: server.serverId,
          argon2id: argon2idOffThread,
          ...(ctx.testMode.weakKdf ? { testOnlyRandom: randomBytes } : {}),
        });
        let keyfile: Keyfile;
        try {
          keyfile = parseKeyfile(fromUtf8(blob));
        } finally {
          sodium().memzero(blob);
        }
        const opened = await unlockKeyfileOffThread(keyfile, request.password, {
          weakKdf: ctx.testMode.weakKdf,
        });
        sodium().memzero(opened.key);
        // The blob's device key is a throwaway: this machine gets its own.
        sodium().memzero(opened.deviceSignKeyPair.secretKey);
        return { rootSecret: opened.rootSecret, deviceSignKeyPair: generateSignKeyPair() };
      },
    );
    try {
      await prepared.use();
      await saveIdentity(ctx, session.progress, 'signIn', secrets, request.password, username);
    } catch (error) {
      wipeSecrets(secrets);
      throw error;
    }
    await ctx.appState.update((s) => ({
      ...s,
      kitConfirmed: true,
      passwordAccess: [
        ...s.passwordAccess,
        { serverId: server.serverId, workspace: request.workspaceId, username },
      ],
    }));
    await session.adopt(secrets);
    // The identity is on this device and unlocked, whatever happens next.
    scope.committed();
    const ws = await session.verified(async (client) => {
      await client.authenticate();
      return client.workspace.get({
        workspaceId: request.workspaceId,
        ...(request.expectFingerprint ? { expectFingerprint: request.expectFingerprint } : {}),
      });
    });
    // Without a fingerprint the user confirmed, nothing is pinned: the identity is saved and the
    // workspace step lists the workspace, to be opened once its fingerprint was compared.
    if (ws.confirmed) await workspace.use(ws);
  });
}
