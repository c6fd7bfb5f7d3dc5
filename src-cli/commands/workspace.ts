/**
 * `backbone workspace create | get | list | delete`.
 *
 *   backbone workspace create WORKSPACE DISPLAY_NAME USERNAME [--password]
 *
 * WORKSPACE is the workspace id (3..64 characters of A-Z a-z 0-9 - _, starting with a letter or digit), or "-" for a random one.
 * The profile's identity is made first if there is none (asks for a new passphrase).
 */
import { Command } from 'commander';
import { WorkspaceIdSchema } from '../../src-shared/workspace/membership-log.js';
import type { VerifiedWorkspace } from '../../src-shared/sdk/workspaces.js';
import { action, usage, type CliContext } from '../context.js';
import { registerPasswordAccess } from './password.js';

export function workspaceText(ws: VerifiedWorkspace): string[] {
  return [
    `workspace     ${ws.id}`,
    `display name  ${ws.displayName}`,
    `fingerprint   ${ws.fingerprint}`,
    `created       ${ws.created}`,
    `log head      ${ws.head.seq}`,
    `members       ${ws.members.length}`,
    ...(ws.you
      ? [`you           ${ws.you.name} (${ws.you.permissions.join(', ') || 'no permissions'})`]
      : []),
  ];
}

export function workspaceJson(ws: VerifiedWorkspace): Record<string, unknown> {
  return {
    id: ws.id,
    displayName: ws.displayName,
    created: ws.created,
    fingerprint: ws.fingerprint,
    genesisHash: ws.genesisHash,
    head: ws.head,
    members: ws.members.map((m) => ({
      name: m.name,
      address: m.address,
      permissions: m.permissions,
    })),
    you: ws.you ? { name: ws.you.name, permissions: ws.you.permissions } : null,
    namingKey: ws.namingKey,
  };
}

interface CreateFlags {
  password?: boolean;
}

async function create(
  ctx: CliContext,
  workspace: string,
  displayName: string,
  username: string,
  flags: CreateFlags,
): Promise<void> {
  const workspaceId = workspace === '-' ? undefined : workspace;
  if (workspaceId !== undefined && !WorkspaceIdSchema.safeParse(workspaceId).success) {
    throw usage(
      `"${workspace.slice(0, 70)}" is not a workspace id: use 3 to 64 characters of A-Z, a-z, 0-9, "-" and "_" (starting with a letter or digit), or "-" for a random one.`,
    );
  }
  const server = await ctx.serverUrl();
  if (await ctx.ensureIdentity({ displayName: username })) {
    ctx.note(`Made a new identity in ${ctx.profile.dir}.`);
  }
  const client = await ctx.client({ username, ...(workspaceId ? { workspace: workspaceId } : {}) });
  try {
    const ws = await client.workspace.create(displayName, {
      username,
      ...(workspaceId ? { workspaceId } : {}),
    });
    await ctx.updateProfile((data) => ({ ...data, server, workspace: ws.id, username }));
    let passwordAccess = false;
    if (flags.password === true) {
      try {
        await registerPasswordAccess(ctx, client, true);
      } catch (error) {
        ctx.note(
          `Workspace ${ws.id} was created (fingerprint ${ws.fingerprint}), but password access was not registered; retry with "backbone password set".`,
        );
        throw error;
      }
      passwordAccess = true;
    }
    ctx.out({ ...workspaceJson(ws), passwordAccess }, [
      ...workspaceText(ws),
      ...(passwordAccess ? ['password access  registered'] : []),
    ]);
    if (!ctx.json) {
      ctx.note('Give the fingerprint to each member out of band: they compare it when they join.');
    }
  } finally {
    client.close();
  }
}

interface SelectFlags {
  workspace?: string;
  fingerprint?: string;
}

async function get(ctx: CliContext, flags: SelectFlags): Promise<void> {
  const workspaceId = await ctx.workspaceId(flags.workspace);
  return ctx.withClient(
    async (client) => {
      const ws = await client.workspace.get(
        flags.fingerprint ? { expectFingerprint: flags.fingerprint } : {},
      );
      ctx.out(workspaceJson(ws), workspaceText(ws));
    },
    { workspace: workspaceId },
  );
}

async function list(ctx: CliContext): Promise<void> {
  return ctx.withClient(async (client) => {
    const all = await client.workspace.list();
    ctx.out(
      { workspaces: all },
      all.length === 0
        ? ['(no workspaces)']
        : all.map(
            (ws) =>
              `${ws.id}  ${ws.displayName}  as ${ws.you.name}${ws.pin === 'mismatch' ? '  FINGERPRINT CHANGED' : ws.pin === 'none' ? '  (not verified here yet)' : ''}`,
          ),
    );
  });
}

async function remove(ctx: CliContext, flags: SelectFlags & { yes?: boolean }): Promise<void> {
  const workspaceId = await ctx.workspaceId(flags.workspace);
  return ctx.withClient(
    async (client) => {
      const ws = await client.workspace.get();
      await ctx.confirm(
        `Delete workspace "${ws.displayName}" (${ws.id}) and everything in it for good?`,
        flags.yes,
      );
      const result = await client.workspace.delete(workspaceId);
      await ctx.updateProfile((data) => {
        if (data.workspace === workspaceId) {
          const { workspace: _workspace, username: _username, ...rest } = data;
          return rest;
        }
        return data;
      });
      ctx.out(result, `Deleted workspace ${result.id}.`);
    },
    { workspace: workspaceId },
  );
}

export function workspaceCommand(): Command {
  const select = (command: Command): Command =>
    command.option('-w, --workspace <id>', "workspace id (default: the profile's current one)");
  return new Command('workspace')
    .description('create, inspect and delete workspaces')
    .addCommand(
      new Command('create')
        .description('create a workspace; you become its ROOT member')
        .argument(
          '<workspace>',
          'workspace id (3-64 chars of A-Z a-z 0-9 - _), or "-" for a random one',
        )
        .argument('<displayName>', 'display name of the workspace')
        .argument('<username>', 'your member name in it (a-z 0-9 . _ -)')
        .option('--password', 'also register password access (BACKBONE_PASSWORD or a prompt)')
        .action(action(create)),
    )
    .addCommand(
      select(new Command('get'))
        .description('fetch, verify and show the workspace')
        .option(
          '--fingerprint <fp>',
          'refuse a workspace seen for the first time with another fingerprint',
        )
        .action(action(get)),
    )
    .addCommand(
      new Command('list').description('the workspaces you are a member of').action(action(list)),
    )
    .addCommand(
      select(new Command('delete'))
        .description('delete the workspace for good (ROOT only)')
        .option('-y, --yes', 'do not ask for confirmation')
        .action(action(remove)),
    );
}
