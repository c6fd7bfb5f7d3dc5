/**
 * The offline copy of a workspace's store (`StoreCopy`): what `client.vault.snapshot()` fetched
 * (the raw verified membership log and the raw records), kept by an app (encrypted: it holds the
 * paths' envelopes and the ciphertexts, all unreadable without this identity's keys, but also
 * metadata) to list and read later without the server. Opening a copy verifies it again: the log
 * against the pinned genesis hash (and the pinned head when the copy reaches it), every record by
 * the model when it is read.
 */
import { z } from 'zod';
import { BackboneError } from '../../errors.js';
import { StoreView, type ListingMemo, type StoreContext } from '../../store/index.js';
import {
  memberBySignKey,
  verifyLog,
  type MembershipState,
} from '../../workspace/membership-log.js';
import { memberNamingKey, wipeNamingKey } from '../../workspace/naming-key.js';
import type { ClientContext } from '../client-context.js';
import { VerificationError } from '../workspaces.js';

export const STORE_COPY_VERSION = 1;

export const storeCopySchema = z.strictObject({
  v: z.literal(STORE_COPY_VERSION),
  workspaceId: z.string(),
  fetchedAt: z.iso.datetime(),
  /** The raw membership log, genesis first. */
  log: z.array(z.unknown()).min(1),
  records: z.strictObject({
    namespaces: z.array(z.unknown()),
    grants: z.array(z.unknown()),
    entries: z.array(z.unknown()),
  }),
  /**
   * What this client already checked (`ListingMemo`: verified signatures, opened paths), so the
   * first listing after an unlock does not repeat the public-key work. Holds paths: keep the
   * copy encrypted.
   */
  checked: z
    .strictObject({
      signatures: z.record(z.string(), z.string()),
      paths: z.record(
        z.string(),
        z.strictObject({ sealed: z.string(), publicKey: z.string(), path: z.string() }),
      ),
    })
    .optional(),
});
export type StoreCopy = z.infer<typeof storeCopySchema>;

/** A copy of what was fetched, with what the memo holds about it (after `memo.retain`). */
export function makeCopy(
  view: StoreView,
  log: readonly unknown[],
  fetchedAt: string,
  memo: ListingMemo,
): StoreCopy {
  const snapshot = view.snapshot();
  memo.retain(new Set(snapshot.entries.map((e) => e.id)));
  return {
    v: STORE_COPY_VERSION,
    workspaceId: view.workspaceId,
    fetchedAt,
    log: [...log],
    records: {
      namespaces: snapshot.namespaces,
      grants: snapshot.grants,
      entries: snapshot.entries,
    },
    checked: {
      signatures: Object.fromEntries(memo.signatures),
      paths: Object.fromEntries(memo.paths),
    },
  };
}

/**
 * Seeds a listing memo from what the copy says was checked, only when the memo is still empty.
 * The copy must be this client's own (e.g. decrypted from its own encrypted cache).
 */
export function seedMemo(memo: ListingMemo, copy: StoreCopy): void {
  if (memo.signatures.size > 0 || memo.paths.size > 0 || !copy.checked) return;
  for (const [id, digest] of Object.entries(copy.checked.signatures)) {
    memo.signatures.set(id, digest);
  }
  for (const [id, opened] of Object.entries(copy.checked.paths)) memo.paths.set(id, opened);
}

/** An opened copy: the context to read it in (`done()` wipes the naming key). */
export interface OpenedCopy {
  ctx: StoreContext;
  view: StoreView;
  copy: StoreCopy;
  done(): void;
}

/** Parses a copy (`INVALID_ARGUMENT` if it is damaged). */
export function parseCopy(value: unknown): StoreCopy {
  const parsed = storeCopySchema.safeParse(value);
  if (!parsed.success) {
    throw new BackboneError('INVALID_ARGUMENT', 'This local copy of the store is damaged.');
  }
  return parsed.data;
}

/**
 * Opens a copy without the server: the log verified again (pinned genesis hash; the pinned
 * head too when the copy reaches it), the records parsed by the model, this identity's keys.
 * No rollback memory: the copy is this device's own, it may be older than what it saw since.
 */
export async function openCopy(client: ClientContext, value: unknown): Promise<OpenedCopy> {
  const copy = parseCopy(value);
  const server = await client.server();
  const pin = await client.store.getWorkspacePin(server.serverId, copy.workspaceId);
  if (!pin) {
    throw new BackboneError(
      'MEMBERSHIP_UNKNOWN_MEMBER',
      'This device never verified this workspace; its local copy cannot be checked.',
    );
  }
  let state: MembershipState;
  try {
    const reachesPin = copy.log.length > pin.head.seq;
    state = verifyLog(copy.log, {
      pinnedGenesisHash: pin.genesisHash,
      ...(reachesPin ? { pinnedHead: pin.head } : {}),
    });
  } catch (error) {
    throw VerificationError.from(error);
  }
  if (state.workspaceId !== copy.workspaceId) {
    throw new BackboneError('INVALID_ARGUMENT', 'This local copy belongs to another workspace.');
  }
  const keys = await client.keys();
  const me = memberBySignKey(state, keys.identity.signKeyPair.publicKey);
  if (!me) {
    throw new BackboneError(
      'STORE_FORBIDDEN',
      'You are not a member of this workspace (per its verified membership log).',
    );
  }
  const { key: namingKey } = memberNamingKey(state, me.name, keys.identity.boxKeyPair);
  let view: StoreView;
  try {
    view = new StoreView(copy.workspaceId, copy.records as never);
  } catch (error) {
    wipeNamingKey(namingKey);
    throw error;
  }
  const ctx: StoreContext = {
    membership: state,
    actor: {
      name: me.name,
      signKeyPair: keys.identity.signKeyPair,
      boxKeyPair: keys.identity.boxKeyPair,
    },
    namingKey,
  };
  return { ctx, view, copy, done: () => wipeNamingKey(namingKey) };
}
