/**
 * `backbone entry get | set | delete | search | grant | revoke`: values in the workspace's
 * encrypted store (docs/store.md, docs/cli.md).
 *
 * `entry get` prints the value alone (so it pipes); `entry set KEY -` reads the value from stdin
 * (one trailing newline removed). Values are at most 2048 bytes.
 */
import { Command } from 'commander';
import { ACCESS_BITS, type AccessBit } from '../../src-shared/store/index.js';
import { action, usage, type CliContext } from '../context.js';

/** Parses `--access read,write,delete,eject`. */
export function parseAccess(text: string | undefined): AccessBit[] | undefined {
  if (text === undefined) return undefined;
  const bits: AccessBit[] = [];
  for (const part of text.split(/[\s,]+/).filter((p) => p !== '')) {
    const bit = part.toUpperCase() as AccessBit;
    if (!(ACCESS_BITS as readonly string[]).includes(bit)) {
      throw usage(`--access takes a comma-separated list of ${ACCESS_BITS.join(', ')}.`);
    }
    if (!bits.includes(bit)) bits.push(bit);
  }
  if (bits.length === 0) throw usage('Give at least one access right.');
  return bits;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

async function get(ctx: CliContext, key: string): Promise<void> {
  return ctx.withClient(async (client) => {
    const info = await client.entry.info(key);
    ctx.out(info, info.value);
  });
}

async function set(ctx: CliContext, key: string, value: string, flags: { ttl?: string }) {
  const ttl = flags.ttl === undefined ? undefined : Number(flags.ttl);
  if (ttl !== undefined && !(Number.isInteger(ttl) && ttl > 0)) {
    throw usage('--ttl takes a number of seconds.');
  }
  const text = value === '-' ? await readStdin() : value;
  return ctx.withClient(async (client) => {
    const result = await client.entry.set(key, text, ttl === undefined ? {} : { ttl });
    ctx.out(
      result,
      `Stored ${result.key} (version ${result.version}${result.expiresAt ? `, expires ${result.expiresAt}` : ''}).`,
    );
  });
}

async function remove(ctx: CliContext, key: string): Promise<void> {
  return ctx.withClient(async (client) => {
    const result = await client.entry.delete(key);
    ctx.out(result, `Deleted ${result.key}.`);
  });
}

async function search(ctx: CliContext, prefix: string | undefined): Promise<void> {
  return ctx.withClient(async (client) => {
    const keys = await client.entry.search(prefix ?? '');
    ctx.out({ keys }, keys);
  });
}

async function grant(ctx: CliContext, key: string, username: string, flags: { access?: string }) {
  const access = parseAccess(flags.access);
  return ctx.withClient(async (client) => {
    const result = await client.entry.grant(key, username, access ? { access } : {});
    ctx.out({ grant: result }, `Granted ${result.access.join(',')} on ${key} to ${username}.`);
  });
}

async function revoke(ctx: CliContext, key: string, username: string): Promise<void> {
  return ctx.withClient(async (client) => {
    const report = await client.entry.revoke(key, username);
    ctx.out({ report }, `Revoked ${username} on ${key}; the value was re-encrypted.`);
  });
}

export function entryCommand(): Command {
  return new Command('entry')
    .description('values in the encrypted store')
    .addCommand(
      new Command('get')
        .description('print a value (alone, so it pipes)')
        .argument('<key>', 'path, e.g. team/aws/root')
        .action(action(get)),
    )
    .addCommand(
      new Command('set')
        .description('store a value ("-" reads it from stdin)')
        .argument('<key>', 'path')
        .argument('<value>', 'the value, or - for stdin')
        .option('--ttl <seconds>', 'expire after this many seconds')
        .action(action(set)),
    )
    .addCommand(
      new Command('delete')
        .description('delete a value')
        .argument('<key>', 'path')
        .action(action(remove)),
    )
    .addCommand(
      new Command('search')
        .description('keys you can read that start with a prefix')
        .argument('[prefix]', 'path prefix')
        .action(action(search)),
    )
    .addCommand(
      new Command('grant')
        .description('share a value with a member')
        .argument('<key>', 'path')
        .argument('<username>', 'member name')
        .option('--access <list>', `comma-separated ${ACCESS_BITS.join(', ')} (default READ)`)
        .action(action(grant)),
    )
    .addCommand(
      new Command('revoke')
        .description("take a member's access to a value away")
        .argument('<key>', 'path')
        .argument('<username>', 'member name')
        .action(action(revoke)),
    );
}
