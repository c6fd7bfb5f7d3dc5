import { describe, expect, it } from 'vitest';
import { setSecretRecorder } from '../../src-shared/key-registry-hook.js';
import { scanFrames, SCAN_ENCODINGS } from '../../src-shared/test/secret-scan.js';
import type { IpcDispatcher } from './ipc-dispatcher.js';
import { PLANTED_KEY_CHANNEL, withPlantedKey } from './planted-key.js';
import { testModeFromEnv } from './test-mode.js';

const unknown: IpcDispatcher = async () => ({
  ok: false,
  error: { code: 'IPC_UNKNOWN_CHANNEL', message: 'There is no IPC channel.' },
});

describe('planted key (tests only)', () => {
  it('is off unless NODE_ENV=test and BACKBONE_TEST_PLANT_KEY=1', async () => {
    expect(testModeFromEnv({ BACKBONE_TEST_PLANT_KEY: '1' }).plantKey).toBe(false);
    expect(testModeFromEnv({ NODE_ENV: 'production', BACKBONE_TEST_PLANT_KEY: '1' }).plantKey).toBe(
      false,
    );
    expect(testModeFromEnv({ NODE_ENV: 'test', BACKBONE_TEST_PLANT_KEY: '1' }).plantKey).toBe(true);
    const off = withPlantedKey(unknown, false);
    expect(off).toBe(unknown);
    expect(await off(PLANTED_KEY_CHANNEL, {})).toMatchObject({ ok: false });
  });

  it('answers with a registered key that the scan finds in every encoding of its frame', async () => {
    const noted: Array<[string, Uint8Array | string]> = [];
    const previous = setSecretRecorder((kind, secret) => noted.push([kind, secret]));
    let result;
    try {
      result = await withPlantedKey(unknown, true)(PLANTED_KEY_CHANNEL, {});
    } finally {
      setSecretRecorder(previous);
    }
    expect(noted).toHaveLength(1);
    const [kind, key] = noted[0]!;
    expect(kind).toBe('test-planted-key');
    const frame = JSON.stringify({ type: 'result', id: 1, result });
    const found = scanFrames([frame], [{ kind, bytes: key as Uint8Array }]);
    expect(new Set(found.map((f) => f.encoding))).toEqual(new Set(SCAN_ENCODINGS));
    // Other channels still go to the contract's dispatcher.
    expect(await withPlantedKey(unknown, true)('vault.list', {})).toMatchObject({ ok: false });
  });
});
