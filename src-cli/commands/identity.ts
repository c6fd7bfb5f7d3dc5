/**
 * `backbone identity create | show` (`backbone init` = `identity create`): the profile's identity.
 */
import { Command } from 'commander';
import { EXIT, CliError, action, type CliContext } from '../context.js';

interface CreateFlags {
  displayName?: string;
  deviceName?: string;
}

async function create(ctx: CliContext, flags: CreateFlags): Promise<void> {
  const made = await ctx.ensureIdentity(flags);
  if (!made) {
    throw new CliError(
      EXIT.CONFLICT,
      `${ctx.profile.dir} already has an identity. Use another --home for another one.`,
      'IDENTITY_EXISTS',
    );
  }
  await show(ctx);
}

async function show(ctx: CliContext): Promise<void> {
  const data = await ctx.profileData();
  const identity = data.identity;
  if (!identity) {
    throw new CliError(
      EXIT.NOT_FOUND,
      `There is no identity in ${ctx.profile.dir}. Create one with "backbone identity create".`,
      'NO_IDENTITY',
    );
  }
  const value = {
    home: ctx.profile.dir,
    address: identity.address,
    safetyNumber: identity.safetyNumber,
    displayName: identity.displayName,
    device: { id: identity.deviceId, name: identity.deviceName },
    server: data.server ?? null,
    workspace: data.workspace ?? null,
    username: data.username ?? null,
  };
  ctx.out(value, [
    `identity       ${identity.address}`,
    `safety number  ${identity.safetyNumber}`,
    `display name   ${identity.displayName}`,
    `device         ${identity.deviceName} (${identity.deviceId})`,
    `profile        ${ctx.profile.dir}`,
    ...(data.server ? [`server         ${data.server}`] : []),
    ...(data.workspace ? [`workspace      ${data.workspace}`] : []),
    ...(data.username ? [`username       ${data.username}`] : []),
  ]);
}

function createCommand(name: string): Command {
  return new Command(name)
    .description('make a new identity in this profile (root secret + device key in a keyfile)')
    .option('--display-name <name>', 'name shown to the server with the identity profile')
    .option('--device-name <name>', 'name of this device (default: "backbone CLI (<platform>)")')
    .action(action((ctx, flags: CreateFlags) => create(ctx, flags)));
}

export function identityCommand(): Command {
  return new Command('identity')
    .description("this profile's identity")
    .addCommand(createCommand('create'))
    .addCommand(
      new Command('show')
        .description('print the identity address, safety number and profile settings')
        .action(action((ctx) => show(ctx))),
    );
}

export function initCommand(): Command {
  return createCommand('init').description('same as "identity create"');
}
