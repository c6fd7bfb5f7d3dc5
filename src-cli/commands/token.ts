/**
 * `backbone token list | current | derive | revoke`: the identity's bearer tokens.
 *
 * `token derive` prints the new token's secret ALONE on stdout (for a script:
 * `TOKEN=$(backbone token derive --scopes STORE_USE --ttl 3600)`); it is not stored.
 */
import { Command } from 'commander';
import {
  TOKEN_SCOPES,
  scopeSchema,
  type Scope,
  type TokenInfo,
} from '../../src-shared/api/auth.js';
import { action, usage, type CliContext } from '../context.js';

function tokenLine(info: TokenInfo): string {
  return [
    info.id,
    info.current ? '(current)' : '',
    info.label ?? '-',
    `scopes ${info.scopes.join(',')}`,
    info.workspaceId ? `workspace ${info.workspaceId}` : '',
    `expires ${info.expiresAt}`,
  ]
    .filter((part) => part !== '')
    .join('  ');
}

function parseScopes(text: string): Scope[] {
  const scopes = text
    .split(/[\s,]+/)
    .filter((s) => s !== '')
    .map((s) => s.toUpperCase().replace(/-/g, '_'));
  const out: Scope[] = [];
  for (const scope of scopes) {
    const parsed = scopeSchema.safeParse(scope);
    if (!parsed.success)
      throw usage(`Scopes are a comma-separated list of ${TOKEN_SCOPES.join(', ')}.`);
    if (!out.includes(parsed.data)) out.push(parsed.data);
  }
  if (out.length === 0) throw usage('Give at least one scope.');
  return out;
}

async function list(ctx: CliContext): Promise<void> {
  return ctx.withClient(async (client) => {
    const tokens = await client.token.list();
    ctx.out({ tokens }, tokens.map(tokenLine));
  });
}

async function current(ctx: CliContext): Promise<void> {
  return ctx.withClient(async (client) => {
    const info = await client.token.current();
    ctx.out({ token: info }, tokenLine(info));
  });
}

interface DeriveFlags {
  scopes?: string;
  workspace?: string;
  ttl?: string;
  label?: string;
}

async function derive(ctx: CliContext, flags: DeriveFlags): Promise<void> {
  const ttlSeconds = flags.ttl === undefined ? undefined : Number(flags.ttl);
  if (ttlSeconds !== undefined && !(Number.isInteger(ttlSeconds) && ttlSeconds > 0)) {
    throw usage('--ttl takes a number of seconds.');
  }
  return ctx.withClient(async (client) => {
    const { token, info } = await client.token.derive({
      ...(flags.scopes ? { scopes: parseScopes(flags.scopes) } : {}),
      ...(flags.workspace ? { workspaceId: flags.workspace } : {}),
      ...(ttlSeconds ? { ttlSeconds } : {}),
      ...(flags.label ? { label: flags.label } : {}),
    });
    ctx.out({ token, info }, token);
    if (!ctx.json) ctx.note(`Derived token ${info.id}, valid until ${info.expiresAt}.`);
  });
}

async function revoke(ctx: CliContext, tokenId: string): Promise<void> {
  return ctx.withClient(async (client) => {
    const result = await client.token.revoke(tokenId);
    ctx.out(result, `Revoked ${result.revoked} token(s).`);
  });
}

export function tokenCommand(): Command {
  return new Command('token')
    .description("the identity's bearer tokens")
    .addCommand(new Command('list').description('active tokens').action(action((ctx) => list(ctx))))
    .addCommand(
      new Command('current').description('the token in use').action(action((ctx) => current(ctx))),
    )
    .addCommand(
      new Command('derive')
        .description('make a narrower, shorter token (its secret is printed alone on stdout)')
        .option('--scopes <list>', `comma-separated ${TOKEN_SCOPES.join(', ')}`)
        .option('-w, --workspace <id>', 'limit it to one workspace')
        .option('--ttl <seconds>', 'lifetime in seconds')
        .option('--label <label>', 'a name for the token')
        .action(action(derive)),
    )
    .addCommand(
      new Command('revoke')
        .description('revoke a token (and those derived from it); "current" = the one in use')
        .argument('<tokenId>', 'token id or "current"')
        // A token id is base64url and may start with "-": taken as the id, not an option.
        .allowUnknownOption()
        .action(action(revoke)),
    );
}
