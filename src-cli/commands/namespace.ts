/**
 * `backbone namespace create | delete | grant | revoke | search | list`: folders of the encrypted
 * store (docs/store.md, docs/cli.md).
 */
import { Command } from 'commander';
import { ACCESS_BITS } from '../../src-shared/store/index.js';
import { action, type CliContext } from '../context.js';
import { parseAccess } from './entry.js';

async function create(ctx: CliContext, key: string, flags: { isolated?: boolean }) {
  return ctx.withClient(async (client) => {
    const result = await client.namespace.create(key, { isolated: flags.isolated === true });
    ctx.out(
      result,
      `Created ${result.isolated ? 'isolated ' : ''}folder ${result.key || '(root)'}${result.moved ? ` (${result.moved} moved into it)` : ''}.`,
    );
  });
}

async function remove(ctx: CliContext, key: string): Promise<void> {
  return ctx.withClient(async (client) => {
    const result = await client.namespace.delete(key);
    ctx.out(result, `Deleted folder ${result.key}; its content moved up one level.`);
  });
}

async function grant(ctx: CliContext, key: string, username: string, flags: { access?: string }) {
  const access = parseAccess(flags.access);
  return ctx.withClient(async (client) => {
    const result = await client.namespace.grant(key, username, access ? { access } : {});
    ctx.out({ grant: result }, `Granted ${result.access.join(',')} on ${key} to ${username}.`);
  });
}

async function revoke(ctx: CliContext, key: string, username: string): Promise<void> {
  return ctx.withClient(async (client) => {
    const report = await client.namespace.revoke(key, username);
    ctx.out(
      { report },
      `Revoked ${username} on ${key}; ${report.rotated.length} folder key(s) replaced.`,
    );
  });
}

async function search(ctx: CliContext, prefix: string | undefined): Promise<void> {
  return ctx.withClient(async (client) => {
    const namespaces = await client.namespace.search(prefix ?? '');
    ctx.out(
      { namespaces },
      namespaces.map((n) => (n.isolated ? `${n.key}  (isolated)` : n.key)),
    );
  });
}

async function list(ctx: CliContext, key: string | undefined): Promise<void> {
  return ctx.withClient(async (client) => {
    const listing = await client.namespace.list(key ?? '');
    ctx.out(listing, [
      ...listing.namespaces.map((n) => `${n.path}/`),
      ...listing.entries.map((e) => e.path),
    ]);
  });
}

export function namespaceCommand(): Command {
  const bits = `comma-separated ${ACCESS_BITS.join(', ')} (default READ)`;
  return new Command('namespace')
    .description('folders of the encrypted store')
    .addCommand(
      new Command('create')
        .description('create a folder ("" = the root)')
        .argument('<key>', 'path')
        .option('--isolated', 'its key goes only to you; rights on the parent do not apply')
        .action(action(create)),
    )
    .addCommand(
      new Command('delete')
        .description('delete a folder (its content moves up)')
        .argument('<key>', 'path')
        .action(action(remove)),
    )
    .addCommand(
      new Command('grant')
        .description('share a folder and what is below it')
        .argument('<key>', 'path')
        .argument('<username>', 'member name')
        .option('--access <list>', bits)
        .action(action(grant)),
    )
    .addCommand(
      new Command('revoke')
        .description("take a member's access away (replaces the folder keys)")
        .argument('<key>', 'path')
        .argument('<username>', 'member name')
        .action(action(revoke)),
    )
    .addCommand(
      new Command('search')
        .description('folders you can see that start with a prefix')
        .argument('[prefix]', 'path prefix')
        .action(action(search)),
    )
    .addCommand(
      new Command('list')
        .description('what is directly inside a folder')
        .argument('[key]', 'path (default: the root)')
        .action(action(list)),
    );
}
