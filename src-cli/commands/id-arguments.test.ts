/**
 * Ids are base64url and one in 32 starts with "-": `backbone device revoke -b8e…` and
 * `backbone token revoke -Xq…` take it as the id (found as a rare failure of device-cli.int.test.ts:
 * "error: unknown option '-b8e9Ewd0rZ…'"). A misspelt option still fails.
 */
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { deviceCommand } from './device.js';
import { tokenCommand } from './token.js';

const ID = '-b8e9Ewd0rZajNPnjFXwzmp2ZjRRIAdyONiihij6xlQ';

function parsedRevoke(group: Command, args: string[]): { id: string; options: object } {
  const revoke = group.commands.find((c) => c.name() === 'revoke')!;
  let seen: { id: string; options: object } | undefined;
  revoke.action((id: string, options: object) => {
    seen = { id, options };
  });
  group.exitOverride();
  revoke.exitOverride();
  revoke.configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
  group.parse(['revoke', ...args], { from: 'user' });
  if (!seen) throw new Error('no action ran');
  return seen;
}

describe('revoke commands take an id that starts with "-"', () => {
  it('device revoke, before and after its options', () => {
    expect(parsedRevoke(deviceCommand(), [ID, '--yes'])).toEqual({
      id: ID,
      options: { yes: true },
    });
    expect(parsedRevoke(deviceCommand(), ['--yes', ID]).id).toBe(ID);
  });

  it('token revoke', () => {
    expect(parsedRevoke(tokenCommand(), [ID]).id).toBe(ID);
  });

  it('a misspelt option is still refused', () => {
    expect(() => parsedRevoke(deviceCommand(), ['abc', '--yse'])).toThrow(/too many arguments/);
  });
});
