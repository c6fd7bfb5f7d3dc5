/**
 * TESTS ONLY (NODE_ENV=test and BACKBONE_TEST_PLANT_KEY=1, test-mode.ts): a test-only IPC
 * answer that carries a key on purpose, so an end-to-end test can prove that the secret scan
 * (src-shared/test/secret-scan.ts) finds a key that really crossed the boundary, in every
 * encoding and at every byte alignment.
 *
 * The channel `test.plantedKey` is not in the IPC contract: the wrapped dispatcher answers it
 * before the contract's dispatcher sees it, and only when the switch is on. Each call makes a
 * fresh random 64-byte key, registers it (kind `test-planted-key`, through the key registry
 * hook) and answers with it inside larger random blobs: `raw` (Latin-1 text), `hex`, `HEX`,
 * `base64@k` / `base64url@k` (k = 0, 1, 2: the number of filler bytes before it, mod 3),
 * `decimal` (a number array), `object` (a Uint8Array, which JSON turns into {"0":…}) and
 * `buffer-json` (a Buffer, which JSON turns into {"type":"Buffer","data":[…]}).
 */
import { randomBytes } from 'node:crypto';
import { noteSecret } from '../../src-shared/key-registry-hook.js';
import type { IpcDispatcher } from './ipc-dispatcher.js';

export const PLANTED_KEY_CHANNEL = 'test.plantedKey';
export const PLANTED_KEY_KIND = 'test-planted-key';
const KEY_BYTES = 64;

function embedded(key: Uint8Array, before: number, after = 5): Buffer {
  return Buffer.concat([randomBytes(before), key, randomBytes(after)]);
}

/** The planted answer: a fresh key in every encoding (registered before it is returned). */
export function plantedKeyAnswer(): Record<string, unknown> {
  let key = new Uint8Array(randomBytes(KEY_BYTES));
  // A value of one repeated byte is not registered (key-registry.ts); never plant one.
  while (key.every((b) => b === key[0])) key = new Uint8Array(randomBytes(KEY_BYTES));
  noteSecret(PLANTED_KEY_KIND, key);
  const answer: Record<string, unknown> = {
    raw: embedded(key, 3).toString('latin1'),
    hex: embedded(key, 3).toString('hex'),
    HEX: embedded(key, 3).toString('hex').toUpperCase(),
    decimal: Array.from(embedded(key, 5)),
    object: new Uint8Array(embedded(key, 7)),
    'buffer-json': embedded(key, 2),
  };
  for (const k of [0, 1, 2]) {
    answer[`base64@${k}`] = embedded(key, 3 + k).toString('base64');
    answer[`base64url@${k}`] = embedded(key, 6 + k).toString('base64url');
  }
  return answer;
}

/** `dispatch`, answering `test.plantedKey` too when `enabled` (the test-mode switch). */
export function withPlantedKey(dispatch: IpcDispatcher, enabled: boolean): IpcDispatcher {
  if (!enabled) return dispatch;
  return async (channel, request) =>
    channel === PLANTED_KEY_CHANNEL
      ? { ok: true, response: { planted: plantedKeyAnswer() } }
      : dispatch(channel, request);
}
