/**
 * `backbone authenticate WORKSPACE USERNAME`: log in (challenge + device-signed response),
 * keep the token in the profile, then fetch and verify the workspace's membership log. On first
 * contact the workspace is pinned only with `--fingerprint` (the fingerprint an administrator
 * read out): without it the fingerprint is shown, nothing is pinned, and every write to the
 * workspace is refused (`MEMBERSHIP_FINGERPRINT_REQUIRED`) until the user confirms it by running
 * the command again with `--fingerprint`. Makes WORKSPACE and USERNAME the profile's current ones.
 *
 * With `--password` on a profile without an identity (a brand-new machine): password access
 * gets the keyfile blob from the server, a fresh device key is made for this machine, and the
 * keys are saved under a new local passphrase.
 *
 * `backbone logout` revokes the profile's token.
 */
import { Command } from 'commander';
import { BackboneClient } from '../../src-shared/sdk/client.js';
import { randomBytes } from '../../src-shared/crypto/index.js';
import {
  EXIT,
  CliError,
  action,
  keyfileParams,
  weakKdfForTests,
  type CliContext,
} from '../context.js';
import { workspaceText } from './workspace.js';

interface Flags {
  fingerprint?: string;
  password?: boolean;
  label?: string;
  ttl?: string;
}

async function fromPassword(
  ctx: CliContext,
  server: string,
  workspace: string,
  username: string,
  fingerprint: string | undefined,
): Promise<void> {
  const password = await ctx.accessPassword(false);
  const weak = weakKdfForTests(ctx.env);
  const client = await BackboneClient.fromCredentials({
    server,
    workspace,
    username,
    password,
    store: ctx.profile.store(),
    http: ctx.httpOptions(),
    ...(fingerprint !== undefined ? { expectFingerprint: fingerprint } : {}),
    device: { name: `backbone CLI (${process.platform})`, platform: process.platform },
    ...(weak ? { testOnly: { weakKdf: true, passwordAccessRandom: randomBytes } } : {}),
  });
  try {
    const passphrase = await ctx.newPassphrase("a passphrase for this machine's keyfile");
    const keyfile = await client.exportKeyfile(passphrase, keyfileParams(ctx.env));
    const identity = await client.identity();
    const certificate = await client.deviceCertificate();
    await ctx.profile.saveIdentity(keyfile, {
      address: identity.address,
      safetyNumber: identity.safetyNumber,
      signPublicKey: identity.signPublicKey,
      boxPublicKey: identity.boxPublicKey,
      displayName: username,
      deviceId: identity.deviceId,
      deviceName: `backbone CLI (${process.platform})`,
      deviceCertificate: certificate,
      createdAt: new Date().toISOString(),
    });
    ctx.note(`Signed in with password access; keys saved in ${ctx.profile.dir}.`);
  } finally {
    client.close();
  }
}

async function authenticate(
  ctx: CliContext,
  workspace: string,
  username: string,
  flags: Flags,
): Promise<void> {
  const server = await ctx.serverUrl();
  const ttlSeconds = flags.ttl === undefined ? undefined : Number(flags.ttl);
  if (ttlSeconds !== undefined && !(Number.isInteger(ttlSeconds) && ttlSeconds > 0)) {
    throw new CliError(EXIT.USAGE, '--ttl takes a number of seconds.', 'USAGE');
  }
  const hasIdentity = await ctx.profile.hasKeyfile();
  if (!hasIdentity) {
    if (flags.password !== true) {
      throw new CliError(
        EXIT.NOT_FOUND,
        `There is no identity in ${ctx.profile.dir}. Use --password to sign in with password access, or "backbone identity create" (and ask an administrator to import your invitation).`,
        'NO_IDENTITY',
      );
    }
    await fromPassword(ctx, server, workspace, username, flags.fingerprint);
    ctx.reload();
  }
  return ctx.withClient(
    async (client) => {
      const info = await client.authenticate({
        ...(flags.label ? { label: flags.label } : {}),
        ...(ttlSeconds ? { ttlSeconds } : {}),
      });
      await ctx.updateProfile((data) => ({ ...data, server, workspace, username }));
      const pin = await client.server();
      const firstContact =
        (await ctx.profile.store().getWorkspacePin(pin.serverId, workspace)) === undefined;
      const ws = await client.workspace.get(
        flags.fingerprint ? { expectFingerprint: flags.fingerprint } : {},
      );
      if (!ws.you) {
        throw new CliError(
          EXIT.NOT_FOUND,
          `Logged in, but you are not a member of ${workspace} per its verified log. Ask an administrator to import your invitation ("backbone user generate ${username}").`,
          'NOT_A_MEMBER',
        );
      }
      if (ws.you.name !== username) {
        await ctx.updateProfile((data) => ({ ...data, username: ws.you?.name }));
        ctx.note(`Note: in this workspace you are "${ws.you.name}", not "${username}".`);
      }
      ctx.out(
        {
          token: { id: info.id, expiresAt: info.expiresAt, scopes: info.scopes },
          identity: info.identityId,
          workspace: { id: ws.id, displayName: ws.displayName, fingerprint: ws.fingerprint },
          you: { name: ws.you.name, permissions: ws.you.permissions },
          firstContact,
          confirmed: ws.confirmed,
        },
        [
          `Logged in as ${ws.you.name} (token valid until ${info.expiresAt}).`,
          ...workspaceText(ws),
        ],
      );
      if (!ws.confirmed) {
        ctx.note(
          `First time this profile sees this workspace: it is NOT pinned and nothing will be written to it. Compare the fingerprint with an administrator, then confirm it:\n  backbone authenticate ${ws.id} ${ws.you.name} --fingerprint "${ws.fingerprint}"`,
        );
      }
    },
    { workspace, username },
  );
}

async function logout(ctx: CliContext): Promise<void> {
  return ctx.withClient(async (client) => {
    await client.logout();
    ctx.out({ loggedOut: true }, 'Logged out (the token is revoked).');
  });
}

export function authenticateCommand(): Command {
  return new Command('authenticate')
    .alias('login')
    .description('log in to WORKSPACE as USERNAME and verify the workspace')
    .argument('<workspace>', 'workspace id')
    .argument('<username>', 'your member name in the workspace')
    .option('--fingerprint <fp>', 'the workspace fingerprint an administrator gave you (checked)')
    .option(
      '--password',
      'new machine: sign in with password access (BACKBONE_PASSWORD or a prompt)',
    )
    .option('--label <label>', 'a name for the token')
    .option('--ttl <seconds>', 'token lifetime in seconds (default 24 h, at most 30 days)')
    .action(action(authenticate));
}

export function logoutCommand(): Command {
  return new Command('logout')
    .description("revoke the profile's token")
    .action(action((ctx) => logout(ctx)));
}
