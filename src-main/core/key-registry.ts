/**
 * TESTS ONLY: the key registry. With NODE_ENV=test and `BACKBONE_TEST_KEY_REGISTRY=FILE`
 * (test-mode.ts) the app core installs a recorder on the shared hook
 * (src-shared/key-registry-hook.ts): every secret the core's code (and the SDK, store,
 * membership, PAKE and embedded-server code it runs) derives or holds is appended to FILE as a
 * JSON line `{"kind": …, "hex": …}`, once per distinct value. An end-to-end test then searches
 * the recorded renderer traffic for each of them (src-shared/test/secret-scan.ts).
 *
 * What is written for one noted secret:
 * - the secret itself (a text secret such as a bearer token as its UTF-8 bytes, and the bytes
 *   of its base64url tail after the last '.', e.g. the 32 random bytes of `bbt1.…`);
 * - for a secret longer than 32 bytes, its 32-byte halves too — except an Ed25519 secret key,
 *   whose second half is the public key: only its seed (the first half) is added.
 * Values of one repeated byte (a wiped buffer, all zeros) are skipped: they are no secret, and
 * would match any run of equal bytes in the traffic.
 *
 * In the product no recorder is installed, so nothing is noted, kept or written.
 */
import { appendFileSync } from 'node:fs';
import { setSecretRecorder, type SecretRecorder } from '../../src-shared/key-registry-hook.js';

export interface RegisteredSecret {
  kind: string;
  hex: string;
}

const HALF = 32;
const BASE64URL_TAIL = /(?:^|\.)([A-Za-z0-9_-]{22,})$/;

function hexOf(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

function isDegenerate(bytes: Uint8Array): boolean {
  return bytes.length === 0 || bytes.every((b) => b === bytes[0]);
}

/** The values to register for one noted secret (see the header). Pure; exported for tests. */
export function registryEntries(kind: string, secret: Uint8Array | string): RegisteredSecret[] {
  const parts: Array<[string, Uint8Array]> = [];
  if (typeof secret === 'string') {
    parts.push([kind, Buffer.from(secret, 'utf8')]);
    const tail = BASE64URL_TAIL.exec(secret)?.[1];
    if (tail !== undefined) parts.push([`${kind}/decoded`, Buffer.from(tail, 'base64url')]);
  } else {
    parts.push([kind, secret]);
    if (secret.length > HALF) {
      parts.push([`${kind}/seed`, secret.subarray(0, HALF)]);
      if (kind !== 'sign-secret-key') parts.push([`${kind}/half2`, secret.subarray(HALF)]);
    }
  }
  return parts
    .filter(([, bytes]) => !isDegenerate(bytes))
    .map(([name, bytes]) => ({ kind: name, hex: hexOf(bytes) }));
}

/**
 * Installs the recorder that appends to `file` (mode 0600). Returns the function that removes it.
 * Throws if a recorder is installed already (one registry per process).
 */
export function installKeyRegistry(file: string): () => void {
  const seen = new Set<string>();
  const recorder: SecretRecorder = (kind, secret) => {
    const fresh = registryEntries(kind, secret).filter((entry) => !seen.has(entry.hex));
    if (fresh.length === 0) return;
    for (const entry of fresh) seen.add(entry.hex);
    appendFileSync(file, fresh.map((entry) => `${JSON.stringify(entry)}\n`).join(''), {
      mode: 0o600,
    });
  };
  const previous = setSecretRecorder(recorder);
  if (previous !== undefined) {
    setSecretRecorder(previous);
    throw new Error('A key registry is installed in this process already.');
  }
  return () => {
    setSecretRecorder(undefined);
  };
}
