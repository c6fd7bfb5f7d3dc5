/**
 * What a member's device can keep from the store (every namespace secret key and entry key it
 * can derive now), and whether such keys open a record: to show what a former member still
 * reads with what it kept, if the server (or anyone holding the ciphertext) hands it over.
 */
import { aeadDecrypt, fromBase64Url, type BoxKeyPair } from '../../crypto/index.js';
import {
  StoreSession,
  entryAssociatedData,
  openEnvelope,
  type EntryRecord,
} from '../../store/index.js';
import type { BackboneClient } from '../client.js';

export interface KeptKeys {
  namespaceKeys: BoxKeyPair[];
  entryKeys: Uint8Array[];
}

/** The keys a member's device can derive now (namespace secret keys, entry keys), copied. */
export async function harvestKeys(client: BackboneClient): Promise<KeptKeys> {
  const { ctx, done } = await client.storeService.context();
  const { view } = await client.storeService.records({ all: true });
  const s = new StoreSession(ctx, view);
  const namespaceKeys: BoxKeyPair[] = [];
  const entryKeys: Uint8Array[] = [];
  for (const r of view.allNamespaces()) {
    const resolved = s.resolver.tryNamespace(r.id);
    if (resolved) {
      namespaceKeys.push({
        publicKey: Uint8Array.from(resolved.keyPair.publicKey),
        secretKey: Uint8Array.from(resolved.keyPair.secretKey),
      } as BoxKeyPair);
    }
  }
  for (const e of view.allEntries()) {
    try {
      entryKeys.push(Uint8Array.from(s.resolver.entryKey(e).key));
    } catch {
      // not readable
    }
  }
  s.resolver.wipe();
  await done(false);
  return { namespaceKeys, entryKeys };
}

/** True if any of the keys opens the entry's key envelope or decrypts its ciphertext. */
export function opensWith(entry: EntryRecord, workspace: string, keys: KeptKeys): boolean {
  const sealed = [entry.keys.namespace.sealed, ...Object.values(entry.keys.users)];
  for (const pair of keys.namespaceKeys) {
    for (const text of sealed) {
      try {
        openEnvelope(pair, text, 'entry-key', { workspaceId: workspace, id: entry.id });
        return true;
      } catch {
        // expected
      }
    }
  }
  for (const key of keys.entryKeys) {
    try {
      aeadDecrypt(
        key as never,
        fromBase64Url(entry.ciphertext),
        entryAssociatedData(workspace, entry.id, entry.version),
      );
      return true;
    } catch {
      // expected
    }
  }
  return false;
}
