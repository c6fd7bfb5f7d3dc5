/**
 * The server's static key pair (X25519 box + Ed25519 sign) and its id, made on first start.
 *
 * Kept as `{v: 1, signSeed, boxSecretKey, createdAt}` (base64url): in SQLite mode in the file
 * `server-keys.json` in the data directory (mode 0600, written atomically); in PostgreSQL mode in
 * the `server_meta` table, so every server process behind a load balancer uses the same keys
 * (the first process to start makes them; the others read them).
 */
import { chmod, mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import {
  blake2bKeyed,
  boxKeyPairFromSecretKey,
  boxSecretKey,
  fromBase64Url,
  generateBoxKeyPair,
  generateSignKeyPair,
  randomBytes,
  signKeyPairFromSeed,
  signSeedOf,
  sodium,
  toBase64Url,
  toHex,
  utf8,
  type BoxKeyPair,
  type SignKeyPair,
} from '../src-shared/crypto/index.js';
import { serverIdOf, signServerProof, type ServerProof } from '../src-shared/api/server.js';
import { base64UrlBytesSchema } from '../src-shared/api/common.js';
import { BackboneError } from '../src-shared/errors.js';
import type { Storage } from './storage/storage.js';

export const SERVER_KEY_FILE_NAME = 'server-keys.json';
export const SERVER_KEY_META = 'server_keys';
const SERVER_KEY_VERSION = 1;

export interface ServerKeys {
  id: string;
  signKeyPair: SignKeyPair;
  boxKeyPair: BoxKeyPair;
  createdAt: string;
}

const storedKeysSchema = z.strictObject({
  v: z.number().int(),
  signSeed: base64UrlBytesSchema(32),
  boxSecretKey: base64UrlBytesSchema(32),
  createdAt: z.iso.datetime(),
});

function parseStoredKeys(text: string, where: string): ServerKeys {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new BackboneError('INTERNAL', `The server key store (${where}) is not valid JSON.`, {
      cause,
    });
  }
  const version = (value as { v?: unknown } | null)?.v;
  if (typeof version === 'number' && version !== SERVER_KEY_VERSION) {
    throw new BackboneError(
      'UNSUPPORTED_VERSION',
      `The server key store (${where}) has version ${version}; this server understands version ${SERVER_KEY_VERSION}. Update the server.`,
    );
  }
  const parsed = storedKeysSchema.safeParse(value);
  if (!parsed.success) {
    throw new BackboneError('INTERNAL', `The server key store (${where}) is damaged.`);
  }
  const seedBytes = fromBase64Url(parsed.data.signSeed);
  const signKeyPair = signKeyPairFromSeed(seedBytes);
  sodium().memzero(seedBytes);
  const boxKeyPair = boxKeyPairFromSecretKey(boxSecretKey(fromBase64Url(parsed.data.boxSecretKey)));
  return {
    id: serverIdOf(signKeyPair.publicKey),
    signKeyPair,
    boxKeyPair,
    createdAt: parsed.data.createdAt,
  };
}

function newStoredKeys(now: Date): string {
  const sign = generateSignKeyPair();
  const box = generateBoxKeyPair();
  const seedBytes = signSeedOf(sign.secretKey);
  const text = JSON.stringify({
    v: SERVER_KEY_VERSION,
    signSeed: toBase64Url(seedBytes),
    boxSecretKey: toBase64Url(box.secretKey),
    createdAt: now.toISOString(),
  });
  sodium().memzero(seedBytes);
  sodium().memzero(sign.secretKey);
  sodium().memzero(box.secretKey);
  return text;
}

/** Loads the key file, or makes it (atomically, mode 0600) if there is none. */
export async function loadOrCreateServerKeysFile(
  dataDir: string,
  now: Date = new Date(),
): Promise<ServerKeys> {
  const file = path.join(dataDir, SERVER_KEY_FILE_NAME);
  try {
    return parseStoredKeys(await readFile(file, 'utf8'), file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const temp = `${file}.${toHex(randomBytes(8))}.tmp`;
  const handle = await open(temp, 'wx', 0o600);
  try {
    await handle.writeFile(newStoredKeys(now), 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  await chmod(temp, 0o600);
  try {
    // Another process may have made the file meanwhile: keep the first one.
    try {
      const existing = await readFile(file, 'utf8');
      return parseStoredKeys(existing, file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    await rename(temp, file);
  } finally {
    await rm(temp, { force: true });
  }
  return parseStoredKeys(await readFile(file, 'utf8'), file);
}

/** Loads the keys from the database, or stores new ones if there are none (first writer wins). */
export async function loadOrCreateServerKeysInStorage(
  storage: Storage,
  now: Date = new Date(),
): Promise<ServerKeys> {
  const existing = await storage.getMeta(SERVER_KEY_META);
  if (existing !== undefined) return parseStoredKeys(existing, 'database');
  const stored = await storage.putMetaIfAbsent(SERVER_KEY_META, newStoredKeys(now));
  return parseStoredKeys(stored, 'database');
}

const DUMMY_KEY_LABEL = utf8('backbone/password-access/v1/dummy-key');

/**
 * The password-access dummy key (32 bytes, the key of the dummy public data of unknown usernames,
 * docs/password-access.md): keyed BLAKE2b-256 of a fixed label under the server's Ed25519 seed.
 * Derived rather than stored, so every process holding these keys (PostgreSQL mode) and every
 * restart gets the same one — dummy salts stay as stable as real users' salts — and it changes
 * only with the server keys (hence with the server id, which enters every handshake anyway).
 */
export function passwordAccessDummyKey(keys: ServerKeys): Uint8Array {
  const seed = signSeedOf(keys.signKeyPair.secretKey);
  try {
    return blake2bKeyed(seed, DUMMY_KEY_LABEL, 32);
  } finally {
    sodium().memzero(seed);
  }
}

/** The server proof (`server.proof`, src-shared/api/server.ts) over a client's nonce. */
export function serverProof(keys: ServerKeys, clientNonce: string): ServerProof {
  return signServerProof(keys.signKeyPair, keys.boxKeyPair.publicKey, clientNonce);
}
