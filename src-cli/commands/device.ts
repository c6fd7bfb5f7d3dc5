/**
 * `backbone device list | revoke`: the devices of this profile's identity.
 *
 * Revoking is for good: the device's tokens stop working at once and its key can never log in
 * again. It asks for confirmation (`--yes` skips it) and refuses the device this profile uses
 * unless `--force`.
 */
import { Command } from 'commander';
import { deviceIdSchema } from '../../src-shared/api/common.js';
import type { DeviceSummary } from '../../src-shared/sdk/devices.js';
import { CliError, EXIT, action, usage, type CliContext } from '../context.js';

/** `2026-01-02T03:04:05.678Z` → `2026-01-02 03:04` (UTC; --json has the full time). */
function shortTime(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)}`;
}

function state(device: DeviceSummary): string {
  if (device.revokedAt !== null) return `revoked ${shortTime(device.revokedAt)}`;
  return device.current ? 'active (this device)' : 'active';
}

function table(devices: DeviceSummary[]): string[] {
  const rows = [
    ['ID', 'NAME', 'PLATFORM', 'ADDED (UTC)', 'STATE'],
    ...devices.map((d) => [d.id, d.name, d.platform, shortTime(d.addedAt), state(d)]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  return rows.map((row) =>
    row
      .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd(),
  );
}

function describe(device: DeviceSummary): string {
  return `"${device.name}" (${device.platform}, ${device.id})`;
}

async function list(ctx: CliContext): Promise<void> {
  return ctx.withClient(async (client) => {
    const devices = await client.device.list();
    ctx.out({ devices }, table(devices));
  });
}

interface RevokeFlags {
  yes?: boolean;
  force?: boolean;
}

async function revoke(ctx: CliContext, deviceId: string, flags: RevokeFlags): Promise<void> {
  if (!deviceIdSchema.safeParse(deviceId).success) {
    throw usage('A device id is 43 base64url characters, as "backbone device list" shows it.');
  }
  return ctx.withClient(async (client) => {
    const device = (await client.device.list()).find((d) => d.id === deviceId);
    if (device === undefined) {
      throw new CliError(
        EXIT.NOT_FOUND,
        `This identity has no device ${deviceId}. See "backbone device list".`,
        'NOT_FOUND',
      );
    }
    if (device.revokedAt !== null) {
      throw new CliError(
        EXIT.CONFLICT,
        `Device ${describe(device)} was already revoked at ${device.revokedAt}; nothing changed.`,
        'DEVICE_REVOKED',
      );
    }
    if (device.current && flags.force !== true) {
      throw usage(
        `This is the device you are using: ${describe(device)}. Revoking it signs this profile out for good and its key can never log in again. Add --force to do it anyway.`,
      );
    }
    await ctx.confirm(
      `Revoke device ${describe(device)}${device.current ? ', the one you are using' : ''}? Its tokens stop working at once and it can never log in again.`,
      flags.yes,
    );
    const revoked = await client.device.revoke(deviceId, { allowCurrent: flags.force === true });
    ctx.out({ device: revoked }, [
      `Revoked device ${describe(revoked)} at ${revoked.revokedAt ?? '?'}.`,
      'Its tokens stopped working at once, and its key can never log in again.',
      ...(revoked.current
        ? [
            'That was this profile\'s device: set this machine up again in a new profile (e.g. "backbone --home DIR authenticate WORKSPACE USERNAME --password").',
          ]
        : []),
    ]);
  });
}

export function deviceCommand(): Command {
  return new Command('device')
    .description("the devices of this profile's identity")
    .addCommand(
      new Command('list')
        .description('every device of the identity, revoked ones included')
        .action(action((ctx) => list(ctx))),
    )
    .addCommand(
      new Command('revoke')
        .description('revoke a device for good: its tokens stop working at once')
        .argument('<deviceId>', 'device id (from "backbone device list")')
        .option('-y, --yes', 'do not ask for confirmation')
        .option('--force', 'allow revoking the device this profile uses')
        // A device id is base64url and may start with "-": taken as the id, not an option.
        .allowUnknownOption()
        .action(action(revoke)),
    );
}
