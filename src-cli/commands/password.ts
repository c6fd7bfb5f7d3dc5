/**
 * `backbone password set | change`: password access (SPAKE2+EE, docs/password-access.md) for the
 * profile's workspace and username, so a brand-new machine can sign in with only the server,
 * workspace, username and password (`backbone authenticate WORKSPACE USERNAME --password`).
 *
 * The password never leaves this machine; the server keeps a verifier and the keyfile blob
 * (the root secret wrapped under the password, with a throwaway device key).
 */
import { Command } from 'commander';
import type { BackboneClient } from '../../src-shared/sdk/client.js';
import { action, type CliContext } from '../context.js';

export async function registerPasswordAccess(
  ctx: CliContext,
  client: BackboneClient,
  isNew: boolean,
): Promise<void> {
  const password = await ctx.accessPassword(true);
  if (isNew) await client.passwordAccess.register(password);
  else await client.passwordAccess.change(password);
}

async function run(ctx: CliContext, isNew: boolean): Promise<void> {
  const data = await ctx.profileData();
  const workspace = await ctx.workspaceId();
  return ctx.withClient(
    async (client) => {
      await registerPasswordAccess(ctx, client, isNew);
      ctx.out(
        {
          workspace,
          username: data.username ?? null,
          passwordAccess: isNew ? 'registered' : 'changed',
        },
        `Password access ${isNew ? 'registered' : 'changed'} for ${data.username ?? '?'} in ${workspace}.`,
      );
    },
    { workspace },
  );
}

export function passwordCommand(): Command {
  return new Command('password')
    .description('password access: sign in from a new machine with a password')
    .addCommand(
      new Command('set')
        .description('register password access for the current workspace and username')
        .action(action((ctx) => run(ctx, true))),
    )
    .addCommand(
      new Command('change')
        .description('change the password (the old one stops working at once)')
        .action(action((ctx) => run(ctx, false))),
    );
}
