/**
 * `backbone device list | revoke` as separate processes against one real server. The identity's
 * second device is an SDK client in this process (same root secret from the profile's keyfile,
 * its own device key), so the test can check that its token dies when the CLI revokes it.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSignKeyPair } from '../src-shared/crypto/index.js';
import { isBackboneError } from '../src-shared/errors.js';
import { BackboneClient } from '../src-shared/sdk/client.js';
import type { DeviceSummary } from '../src-shared/sdk/devices.js';
import { unlockClientKeyfile } from '../src-shared/sdk/keys.js';
import { startSdkTestServer, type SdkTestServer } from '../src-shared/sdk/test/server.js';
import { runCli, type Run } from './test/run-cli.js';

const PASSPHRASE = 'profile passphrase';

let server: SdkTestServer;
let tmp: string;

function cli(args: string[], home: string): Promise<Run> {
  return runCli(args, { server: server.url, tmp, home });
}

function json<T>(run: Run): T {
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as T;
}

beforeAll(async () => {
  server = await startSdkTestServer();
  tmp = await mkdtemp(path.join(os.tmpdir(), 'backbone-device-cli-'));
});
afterAll(async () => {
  await server?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe('backbone device', () => {
  it(
    'lists the devices and revokes another one after confirmation',
    { timeout: 90_000 },
    async () => {
      const home = path.join(tmp, 'alice');
      expect((await cli(['init', '--device-name', 'alice laptop'], home)).code).toBe(0);
      const me = json<{ device: { id: string } }>(await cli(['identity', 'show', '--json'], home));

      // a second device of the same identity: the profile's root secret, a new device key
      const opened = await unlockClientKeyfile(
        await readFile(path.join(home, 'keyfile.json'), 'utf8'),
        PASSPHRASE,
        { testOnlyAllowWeakParams: true },
      );
      const phone = new BackboneClient({
        server: server.url,
        privateKey: { rootSecret: opened.rootSecret, deviceSignKeyPair: generateSignKeyPair() },
        device: { name: 'phone', platform: 'ios' },
      });
      const phoneId = (await phone.identity()).deviceId;
      await phone.authenticate();

      const listed = json<{ devices: DeviceSummary[] }>(
        await cli(['device', 'list', '--json'], home),
      );
      expect(listed.devices.map((d) => [d.id, d.name, d.current, d.revokedAt]).sort()).toEqual(
        [
          [me.device.id, 'alice laptop', true, null],
          [phoneId, 'phone', false, null],
        ].sort(),
      );

      // without a terminal and without --yes: refused (exit 2); the current device needs --force
      const [unconfirmed, own] = await Promise.all([
        cli(['device', 'revoke', phoneId], home),
        cli(['device', 'revoke', me.device.id, '--yes'], home),
      ]);
      expect(unconfirmed.code).toBe(2);
      expect(unconfirmed.stderr).toMatch(/--yes/);
      expect(own.code).toBe(2);
      expect(own.stderr).toMatch(/device you are using.*--force/);
      expect((await phone.token.current()).deviceId).toBe(phoneId); // still works

      const revoked = await cli(['device', 'revoke', phoneId, '--yes'], home);
      expect(revoked.code, revoked.stderr).toBe(0);
      expect(revoked.stdout).toMatch(/Revoked device "phone"/);
      expect(revoked.stdout).toMatch(/tokens stopped working at once/);
      let phoneError: unknown;
      await phone.token.current().catch((error: unknown) => (phoneError = error));
      expect(isBackboneError(phoneError, 'AUTH_DEVICE_REVOKED')).toBe(true);
      phone.close();

      const text = await cli(['device', 'list'], home);
      expect(text.code, text.stderr).toBe(0);
      expect(text.stdout).toMatch(/^ID\s+NAME\s+PLATFORM\s+ADDED \(UTC\)\s+STATE$/m);
      expect(text.stdout).toMatch(
        new RegExp(`^${me.device.id}\\s+alice laptop\\s.*active \\(this device\\)$`, 'm'),
      );
      expect(text.stdout).toMatch(
        new RegExp(`^${phoneId}\\s+phone\\s+ios\\s.*revoked \\d{4}-`, 'm'),
      );
      // revoking it again changes nothing (exit 5)
      expect((await cli(['device', 'revoke', phoneId, '--yes'], home)).code).toBe(5);
    },
  );
});
