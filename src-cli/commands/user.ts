/**
 * `backbone user generate | import | list | get | self | modify | delete`.
 *
 *   backbone user generate USERNAME        # invitee: prints the invitation ALONE on stdout
 *   backbone user import "$PAYLOAD"        # admin: shows the fingerprint, asks, adds the member
 *
 * so `backbone --home admin user import "$(backbone --home bob user generate bob)"` works. The
 * fingerprint (the invitee's safety number) and a QR code of the invitation go to stderr.
 */
import { Command } from 'commander';
import QRCode from 'qrcode';
import { createInvitation } from '../../src-shared/workspace/invitation.js';
import { PERMISSIONS, normalizePermissions } from '../../src-shared/workspace/permissions.js';
import { ClientKeys, unlockClientKeyfile } from '../../src-shared/sdk/keys.js';
import type { MemberView } from '../../src-shared/sdk/workspaces.js';
import { cryptoReady } from '../../src-shared/crypto/index.js';
import { DEFAULT_MEMBER_PERMISSIONS } from '../../src-shared/sdk/users.js';
import { action, usage, weakKdfForTests, type CliContext } from '../context.js';

/** "STORE_USE,store_share" / "none" → canonical permission list. */
export function parsePermissions(text: string): string[] {
  const trimmed = text.trim();
  if (trimmed === '' || trimmed.toLowerCase() === 'none') return [];
  const list = trimmed
    .split(/[\s,]+/)
    .filter((p) => p !== '')
    .map((p) => p.toUpperCase().replace(/-/g, '_'));
  try {
    return normalizePermissions(list);
  } catch {
    throw usage(`Permissions are a comma-separated list of ${PERMISSIONS.join(', ')} (or "none").`);
  }
}

function memberText(member: MemberView): string[] {
  return [
    `name           ${member.name}`,
    `identity       ${member.address}`,
    `safety number  ${member.safetyNumber}`,
    `permissions    ${member.permissions.join(', ') || '(none)'}`,
    `added at       entry ${member.addedAt}`,
  ];
}

function memberJson(member: MemberView): Record<string, unknown> {
  return {
    name: member.name,
    address: member.address,
    safetyNumber: member.safetyNumber,
    permissions: member.permissions,
    addedAt: member.addedAt,
  };
}

interface GenerateFlags {
  qr?: boolean;
  displayName?: string;
}

async function generate(ctx: CliContext, username: string, flags: GenerateFlags): Promise<void> {
  if (await ctx.ensureIdentity({ displayName: flags.displayName ?? username })) {
    ctx.note(`Made a new identity in ${ctx.profile.dir}.`);
  }
  await cryptoReady();
  const data = await ctx.profileData();
  const privateKey = await unlockClientKeyfile(
    await ctx.profile.readKeyfile(),
    () => ctx.existingPassphrase(),
    { testOnlyAllowWeakParams: weakKdfForTests(ctx.env) },
  );
  const keys = new ClientKeys(privateKey, ctx.profile.deviceCertificate(data));
  try {
    const invitation = createInvitation(keys.identity, username);
    const value = {
      name: username,
      invitation,
      fingerprint: keys.safetyNumber,
      address: keys.address,
    };
    if (ctx.json) {
      ctx.out(value, []);
    } else {
      process.stdout.write(`${invitation}\n`);
    }
    if (flags.qr !== false && !ctx.json) {
      const qr = await QRCode.toString(invitation, { type: 'terminal', small: true });
      process.stderr.write(`${qr}\n`);
    }
    ctx.note(`Invitation for "${username}" (identity ${keys.address}).`);
    ctx.note(`Your fingerprint: ${keys.safetyNumber}`);
    ctx.note(
      'Send the invitation to an administrator, and read them the fingerprint by another channel (phone, in person): they must see the same digits before importing it.',
    );
  } finally {
    keys.wipe();
  }
}

interface ImportFlags {
  permissions?: string;
  yes?: boolean;
  workspace?: string;
}

async function importInvitation(
  ctx: CliContext,
  payload: string,
  flags: ImportFlags,
): Promise<void> {
  const permissions =
    flags.permissions === undefined
      ? [...DEFAULT_MEMBER_PERMISSIONS]
      : parsePermissions(flags.permissions);
  const workspace = await ctx.workspaceId(flags.workspace);
  return ctx.withClient(
    async (client) => {
      const summary = client.user.inspect(payload);
      ctx.note(`Invitation for "${summary.name}" (identity ${summary.address})`);
      ctx.note(`Fingerprint: ${summary.fingerprint}`);
      ctx.note(`Permissions to grant: ${permissions.join(', ') || '(none)'}`);
      await ctx.confirm(
        `Does "${summary.name}" read you exactly this fingerprint, and should they join ${workspace}?`,
        flags.yes,
      );
      const member = await client.user.import(payload, permissions);
      ctx.out(memberJson(member), [`Added "${member.name}".`, ...memberText(member)]);
    },
    { workspace },
  );
}

interface WorkspaceFlag {
  workspace?: string;
}

async function list(ctx: CliContext, flags: WorkspaceFlag): Promise<void> {
  const workspace = await ctx.workspaceId(flags.workspace);
  return ctx.withClient(
    async (client) => {
      const members = await client.user.list();
      ctx.out(
        { workspace, members: members.map(memberJson) },
        members.map((m) => `${m.name.padEnd(20)} ${m.permissions.join(',') || '-'}  ${m.address}`),
      );
    },
    { workspace },
  );
}

async function get(ctx: CliContext, name: string, flags: WorkspaceFlag): Promise<void> {
  const workspace = await ctx.workspaceId(flags.workspace);
  return ctx.withClient(
    async (client) => {
      const member = await client.user.get(name);
      ctx.out(memberJson(member), memberText(member));
    },
    { workspace },
  );
}

async function self(ctx: CliContext, flags: WorkspaceFlag): Promise<void> {
  const workspace = await ctx.workspaceId(flags.workspace);
  return ctx.withClient(
    async (client) => {
      const member = await client.user.self();
      ctx.out(memberJson(member), memberText(member));
    },
    { workspace },
  );
}

async function modify(
  ctx: CliContext,
  name: string,
  flags: WorkspaceFlag & { permissions?: string },
): Promise<void> {
  if (flags.permissions === undefined) throw usage('Give the new permissions with --permissions.');
  const permissions = parsePermissions(flags.permissions);
  const workspace = await ctx.workspaceId(flags.workspace);
  return ctx.withClient(
    async (client) => {
      const member = await client.user.modify(name, permissions);
      ctx.out(memberJson(member), [`Changed "${member.name}".`, ...memberText(member)]);
    },
    { workspace },
  );
}

async function remove(
  ctx: CliContext,
  name: string,
  flags: WorkspaceFlag & { yes?: boolean },
): Promise<void> {
  const workspace = await ctx.workspaceId(flags.workspace);
  return ctx.withClient(
    async (client) => {
      const member = await client.user.get(name);
      await ctx.confirm(
        `Remove "${member.name}" (${member.address}) from ${workspace}?`,
        flags.yes,
      );
      const result = await client.user.delete(name);
      ctx.out(
        { workspace, ...result },
        [
          `Removed "${result.removed}"; the naming key is now at generation ${result.namingKeyGeneration}.`,
          ...(result.store
            ? [
                `Store: ${result.store.retokenized} record(s) moved to new names; ` +
                  `access revoked (keys rotated) on ${result.store.revoked.length} path(s)` +
                  (result.store.revoked.length ? `: ${result.store.revoked.join(', ')}` : '') +
                  '.',
                ...(result.store.unreachable
                  ? [
                      `${result.store.unreachable} record(s) in namespaces you cannot read were left to their holders.`,
                    ]
                  : []),
              ]
            : []),
        ].join('\n'),
      );
    },
    { workspace },
  );
}

export function userCommand(): Command {
  const ws = (command: Command): Command =>
    command.option('-w, --workspace <id>', "workspace id (default: the profile's current one)");
  return new Command('user')
    .description('invitations and workspace members')
    .addCommand(
      new Command('generate')
        .description(
          'make an invitation for USERNAME (printed alone on stdout) to hand to an admin',
        )
        .argument('<username>', 'the member name you want (a-z 0-9 . _ -)')
        .option('--no-qr', 'do not print the QR code (stderr)')
        .option('--display-name <name>', 'display name if a new identity is made')
        .action(action(generate)),
    )
    .addCommand(
      ws(new Command('import'))
        .description('add the member of an invitation (after comparing its fingerprint)')
        .argument('<payload>', 'the invitation text (bbinvite1.…)')
        .option(
          '-p, --permissions <list>',
          `comma-separated ${PERMISSIONS.join(', ')} or "none" (default ${DEFAULT_MEMBER_PERMISSIONS.join(',')})`,
        )
        .option('-y, --yes', 'do not ask for confirmation (compare the fingerprint first!)')
        .action(action(importInvitation)),
    )
    .addCommand(
      ws(new Command('list'))
        .description('the current members (verified log)')
        .action(action(list)),
    )
    .addCommand(
      ws(new Command('get'))
        .description('one member (verified log)')
        .argument('<username>', 'member name')
        .action(action(get)),
    )
    .addCommand(ws(new Command('self')).description('your own membership').action(action(self)))
    .addCommand(
      ws(new Command('modify'))
        .description("set a member's permissions (replaces them)")
        .argument('<username>', 'member name')
        .requiredOption(
          '-p, --permissions <list>',
          `comma-separated ${PERMISSIONS.join(', ')} or "none"`,
        )
        .action(action(modify)),
    )
    .addCommand(
      ws(new Command('delete'))
        .description('remove a member (and rotate the naming key)')
        .argument('<username>', 'member name')
        .option('-y, --yes', 'do not ask for confirmation')
        .action(action(remove)),
    );
}
