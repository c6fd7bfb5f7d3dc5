/**
 * The store's rollback memory at rest (docs/store.md "Rollback memory"): the SDK seals each
 * workspace's `SeenVersions` before the client store keeps it, so the profile holds no entry
 * path and an edited, swapped or rolled-over value is noticed.
 *
 *   value     = "bbseen2." ‖ base64url(nonce (24) ‖ XChaCha20-Poly1305(key, plaintext, AD) ‖ tag (16))
 *   key       = crypto_kdf(root secret, id 1, context "bbseen01")   (this identity only)
 *   AD        = "backbone/store-seen/v2\n" ‖ JCS({identity, server, workspace, v: 2})
 *   plaintext = UTF-8 JSON of `SeenVersions.toJSON()`
 *
 * A value that does not open (changed, truncated, another workspace's, another identity's) is
 * refused with `STORE_SEEN_DAMAGED`: reading it as empty memory would silently accept replays.
 * An old plaintext value (v1) is read once and rewritten sealed, with every other v1 value in
 * the same place. Saving is a read-merge-write in the client store (`updateStoreSeen`, under
 * the profile's file lock): the saved memory and this process's are merged
 * (`SeenVersions.merge`), so no process lowers what another one saved.
 */
import {
  aeadDecrypt,
  aeadEncrypt,
  canonicalJson,
  deriveSubkey,
  fromBase64Url,
  fromUtf8,
  symmetricKey,
  toBase64Url,
  utf8,
  type KdfKey,
  type SymmetricKey,
} from '../crypto/index.js';
import { BackboneError } from '../errors.js';
import { SeenVersions } from '../store/index.js';
import type { ClientStore, StoreSeenUpdate } from './store.js';

export const STORE_SEEN_FORMAT_VERSION = 2;
export const STORE_SEEN_KDF_CONTEXT = 'bbseen01';
export const STORE_SEEN_KDF_ID = 1;
const PREFIX = 'bbseen2.';
const AD_PREFIX = 'backbone/store-seen/v2\n';

/** Whose memory of what: the associated data binds all three. */
export interface SeenOwner {
  /** Identity address (`bb1…`). */
  identity: string;
  serverId: string;
  workspaceId: string;
}

/** The key that seals an identity's rollback memory (wipe it after use). */
export function deriveSeenKey(rootSecret: KdfKey): SymmetricKey {
  return symmetricKey(deriveSubkey(rootSecret, STORE_SEEN_KDF_ID, STORE_SEEN_KDF_CONTEXT));
}

/** The typed error for saved rollback memory that cannot be used (never read as empty). */
export function storeSeenDamaged(cause?: unknown): BackboneError {
  return new BackboneError(
    'STORE_SEEN_DAMAGED',
    "This device's saved rollback memory of the store cannot be opened: it was changed, cut " +
      'short, or written for another workspace or identity. Backbone does not continue with an ' +
      'empty memory, which would accept replayed data. If you did not change it, treat it as ' +
      'tampering with this device. To start over, remove store-seen.json from the profile ' +
      'directory (replays of what this device saw before are then no longer detected).',
    cause === undefined ? undefined : { cause },
  );
}

function associatedData(owner: SeenOwner): Uint8Array {
  return utf8(
    AD_PREFIX +
      canonicalJson({
        identity: owner.identity,
        server: owner.serverId,
        workspace: owner.workspaceId,
        v: STORE_SEEN_FORMAT_VERSION,
      }),
  );
}

/** Seals one workspace's memory. */
export function sealSeen(key: SymmetricKey, owner: SeenOwner, seen: SeenVersions): string {
  const plaintext = utf8(JSON.stringify(seen.toJSON()));
  return PREFIX + toBase64Url(aeadEncrypt(key, plaintext, associatedData(owner)));
}

/**
 * Opens a saved value: undefined → empty memory; a sealed string; or an old plaintext snapshot
 * (`legacy`: to be rewritten sealed). Anything else throws `STORE_SEEN_DAMAGED`.
 */
export function openSeen(
  key: SymmetricKey,
  owner: SeenOwner,
  saved: unknown,
): { seen: SeenVersions; legacy: boolean } {
  if (saved === undefined) return { seen: new SeenVersions(), legacy: false };
  try {
    if (typeof saved === 'string') {
      if (!saved.startsWith(PREFIX)) throw storeSeenDamaged();
      const sealed = fromBase64Url(saved.slice(PREFIX.length));
      const plaintext = aeadDecrypt(key, sealed, associatedData(owner));
      return { seen: SeenVersions.fromJSON(JSON.parse(fromUtf8(plaintext))), legacy: false };
    }
    return { seen: SeenVersions.fromJSON(saved), legacy: true };
  } catch (error) {
    if (error instanceof BackboneError && error.code === 'STORE_SEEN_DAMAGED') throw error;
    throw storeSeenDamaged(error);
  }
}

/** Loads one workspace's memory (empty when none is saved); migrates an old plaintext file. */
export async function loadSeen(
  store: ClientStore,
  key: SymmetricKey,
  owner: SeenOwner,
): Promise<SeenVersions> {
  const saved = await store.getStoreSeen?.(owner.serverId, owner.workspaceId);
  const { seen, legacy } = openSeen(key, owner, saved);
  if (legacy) return saveSeen(store, key, owner, seen);
  return seen;
}

/**
 * Saves one workspace's memory without lowering what is saved: read-merge-write in the client
 * store. Returns the merged memory (what is saved now), for the caller to adopt.
 */
export async function saveSeen(
  store: ClientStore,
  key: SymmetricKey,
  owner: SeenOwner,
  seen: SeenVersions,
): Promise<SeenVersions> {
  if (!store.updateStoreSeen) return seen;
  let merged: SeenVersions | undefined;
  const update: StoreSeenUpdate = {
    merge: (current) => {
      const next = openSeen(key, owner, current).seen.merge(seen);
      merged = next;
      return sealSeen(key, owner, next);
    },
    migrate: (serverId, workspaceId, legacy) => {
      const other = { ...owner, serverId, workspaceId };
      return sealSeen(key, other, openSeen(key, other, legacy).seen);
    },
  };
  await store.updateStoreSeen(owner.serverId, owner.workspaceId, update);
  return merged ?? seen;
}
