/**
 * A malicious server that writes its storage directly: records put back (replays, rollbacks) or
 * changed behind the commit check, and the custom writer of a member who no longer follows the
 * rules (records built from the project's own modules, signed with the member's real keys).
 * Whatever the honest server would say, rows written here are served as if it had accepted them,
 * so a refusal seen afterwards is the client's own.
 */
import type { Storage } from '../../../src-server/storage/storage.js';
import {
  StoreSession,
  pathToken,
  recordHash,
  type EntryRecord,
  type GrantRecord,
  type NamespaceRecord,
  type StoreChange,
} from '../../store/index.js';
import { sealEntryRecord } from '../../store/entries.js';
import type { BackboneClient } from '../client.js';

type AnyStored = NamespaceRecord | GrantRecord | EntryRecord;

/** Writes records straight into the server's storage, bypassing every check. */
export async function tamper(
  storage: Storage,
  workspace: string,
  put: Array<['namespace' | 'grant' | 'entry', AnyStored]>,
): Promise<void> {
  const ws = (await storage.getWorkspace(workspace))!;
  const rows = put.map(([kind, r]) => ({
    kind,
    id: r.id,
    token: kind === 'grant' ? null : (r as NamespaceRecord).token,
    refId:
      kind === 'grant'
        ? (r as GrantRecord).target.id
        : kind === 'entry'
          ? (r as EntryRecord).namespace
          : (r as NamespaceRecord).parent,
    expiresAt: null,
    hash: recordHash(r),
    record: JSON.stringify(r),
  }));
  await storage.commitStore(
    workspace,
    { seq: ws.headSeq, hash: ws.headHash },
    { entryIds: [], tokens: [] },
    () => ({ put: rows, remove: [], tombstones: [], events: [] }),
    Date.now(),
  );
}

/** What a member's device learned of a path while it could read it: salt and record. */
export async function learn(
  client: BackboneClient,
  path: string,
): Promise<{ salt: Uint8Array; id: string }> {
  const { ctx, done } = await client.storeService.context();
  const { view } = await client.storeService.records({ all: true });
  const s = new StoreSession(ctx, view);
  try {
    const ns = s.namespaceAt(path);
    if (ns) {
      const resolved = s.resolver.namespace(ns.id);
      return { salt: Uint8Array.from(resolved.salt), id: ns.id };
    }
    const entry = s.entryAt(path)!;
    const key = s.resolver.entryKey(entry);
    key.key.fill(0);
    return { salt: Uint8Array.from(key.salt), id: entry.id };
  } finally {
    s.resolver.wipe();
    await done(false);
  }
}

/**
 * A custom writer: a new version of the entry at `path`, sealed to `namespace` (default: the
 * entry's namespace as stored now) and signed as the caller, plus the change set to commit.
 */
export async function forgeWrite(
  client: BackboneClient,
  path: string,
  value: string,
  locator: { salt: Uint8Array; id?: string },
  namespace?: NamespaceRecord,
): Promise<{ record: EntryRecord; change: StoreChange }> {
  const { ctx, done } = await client.storeService.context();
  try {
    const { view } = await client.storeService.records({ all: true });
    const token = pathToken(ctx.namingKey, path);
    const current = view.entryByToken(token);
    const home =
      namespace ??
      view.namespace(current?.namespace ?? '') ??
      view.namespaceByToken(pathToken(ctx.namingKey, path.split('/').slice(0, -1).join('/')))!;
    const record = sealEntryRecord({
      workspaceId: ctx.membership.workspaceId,
      locator: { id: current?.id ?? locator.id!, path, salt: locator.salt },
      token,
      naming: ctx.membership.namingKey.generation,
      version: (current?.version ?? 0) + 1,
      ...(current ? { shareEpoch: current.shareEpoch } : {}),
      value: new TextEncoder().encode(value),
      expiresAt: null,
      namespace: home,
      readers: [],
      writer: ctx.actor,
    });
    const change = {
      v: 1 as const,
      workspace: ctx.membership.workspaceId,
      put: { namespaces: [], grants: [], entries: [record] },
      remove: { namespaces: [], grants: [], entries: [] },
      expect: [
        { type: 'entry' as const, id: record.id, hash: current ? recordHash(current) : null },
      ],
    };
    return { record, change };
  } finally {
    await done(false);
  }
}

export async function allRecords(client: BackboneClient) {
  return (await client.storeService.records({ all: true })).view;
}

export async function entryRecordAt(client: BackboneClient, path: string): Promise<EntryRecord> {
  const { ctx, done } = await client.storeService.context();
  const token = pathToken(ctx.namingKey, path);
  await done(false);
  return (await allRecords(client)).entryByToken(token)!;
}
