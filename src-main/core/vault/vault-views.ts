/**
 * The store as the renderer sees it (src-shared/ipc/schemas/vault.ts), made from what the SDK
 * returns: plain copies, no keys, no values except in `toRevealed` (the one the user asked for).
 */
import type {
  RevealedEntry,
  SharingView,
  VaultEntry,
  VaultNamespace,
  VaultSnapshot,
} from '../../../src-shared/ipc/contract.js';
import type { EntryInfo, SharingInfo, VaultListing } from '../../../src-shared/sdk/vault.js';
import type { ListedEntry, ListedNamespace } from '../../../src-shared/store/index.js';

export function toEntry(e: ListedEntry): VaultEntry {
  return {
    path: e.path,
    namespace: e.namespace,
    version: e.version,
    writer: e.writer,
    expiresAt: e.expiresAt,
    expired: e.expired,
    access: [...e.access],
  };
}

export function toNamespace(n: ListedNamespace): VaultNamespace {
  return { path: n.path, isolated: n.isolated, access: [...n.access] };
}

export function toSnapshot(
  listing: VaultListing,
  source: 'server' | 'cache',
  offlineReason: string | null,
): VaultSnapshot {
  return {
    workspaceId: listing.workspaceId,
    displayName: listing.displayName,
    you: listing.you,
    hasStore: listing.hasStore,
    canCreateStore: !listing.hasStore && listing.root,
    namespaces: listing.namespaces.map(toNamespace),
    entries: listing.entries.map(toEntry),
    source,
    fetchedAt: listing.fetchedAt,
    offlineReason,
  };
}

export function toRevealed(info: EntryInfo): RevealedEntry {
  return {
    path: info.key,
    value: info.value,
    version: info.version,
    writer: info.writer,
    expiresAt: info.expiresAt,
  };
}

export function toSharing(info: SharingInfo): SharingView {
  return {
    path: info.path,
    kind: info.kind,
    grants: info.grants.map((g) => ({
      grantee: g.grantee,
      granter: g.granter,
      access: [...g.access],
      valid: g.valid,
      problem: g.problem ?? null,
    })),
    members: info.members.map((m) => ({
      name: m.name,
      you: m.name === info.you,
      access: [...m.access],
    })),
    yourAccess: [...info.yourAccess],
  };
}
