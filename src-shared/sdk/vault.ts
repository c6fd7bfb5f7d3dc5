/**
 * `client.vault`: the encrypted store as an app shows it, on top of `client.entry` /
 * `client.namespace` and the pure model (src-shared/store).
 *
 * - `snapshot()`: ONE fetch of every record plus the verified membership state, listed by the
 *   model (`listStore`) without values, and a `StoreCopy` (the raw verified log and the raw
 *   records) an app can keep to list and read offline (`listCopy`, `readCopy`), where the copy is
 *   verified again: the log against the pinned genesis hash, every record by the model.
 * - writes with the checks an editor needs: `set` refuses to overwrite on create
 *   (`STORE_EXISTS`) and to write over a version someone else changed meanwhile
 *   (`STORE_CONFLICT`); `take` deletes an entry and returns its value (for an undo).
 * - sharing: who holds what on a path, grants with whether they count, and `revoke` with what the
 *   rotation changed and what the revoked member still reaches (computed on the state after it).
 *
 * A listing memo (verified signatures, opened paths) is kept per workspace in memory, so listing
 * a large store again after a small change is cheap; `forget()` drops it (the client's `close()`).
 */
import { z } from 'zod';
import { fromUtf8, sodium } from '../crypto/index.js';
import { BackboneError, isBackboneError } from '../errors.js';
import {
  ListingMemo,
  ROOT_PATH,
  StoreDraft,
  StoreSession,
  StoreView,
  analyzeStore,
  createNamespace,
  deleteEntry,
  deleteNamespace,
  grantAccess,
  hasAccess,
  isDescendantPath,
  listStore,
  normalizePath,
  pathToken,
  readEntry,
  revokeAccess,
  writeEntry,
  type AccessBit,
  type AccessTarget,
  type GrantInfo,
  type ListedEntry,
  type ListedNamespace,
  type RotationReport,
  type StoreAuthority,
  type StoreChange,
  type StoreContext,
  type StoreListing,
  type StoreRecords,
} from '../store/index.js';
import { targetAt } from '../store/grants.js';
import { memberBySignKey, verifyLog, type MembershipState } from '../workspace/membership-log.js';
import { memberNamingKey, wipeNamingKey } from '../workspace/naming-key.js';
import { has } from '../workspace/permissions.js';
import type { ClientContext } from './client-context.js';
import { noStore, type EntryInfo, type StoreOptions, type StoreService } from './store-api.js';
import { VerificationError, type WorkspaceApi } from './workspaces.js';

/** A listing of one workspace's store for this member, and where it came from. */
export interface VaultListing extends StoreListing {
  workspaceId: string;
  displayName: string;
  /** Your member name. */
  you: string;
  /** You hold ROOT (you may create the store with the first write). */
  root: boolean;
  /** When the records were fetched from the server. */
  fetchedAt: string;
}

export const STORE_COPY_VERSION = 1;

/**
 * What `snapshot()` fetched, to keep (encrypted: it holds the paths' envelopes and the
 * ciphertexts, all unreadable without this identity's keys, but also metadata) and list or read
 * offline later.
 */
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

export interface VaultSetOptions extends StoreOptions {
  /** null or absent: never expires. */
  expiresAt?: Date | string | null;
  /** Refuse (`STORE_EXISTS`) if an entry is already there. */
  create?: boolean;
  /** Refuse (`STORE_CONFLICT`) unless the entry is still at this version. */
  expectVersion?: number;
}

export interface TakenEntry {
  path: string;
  /** The value it had (wipe it when done). */
  value: Uint8Array;
  version: number;
  expiresAt: string | null;
}

export interface SharingInfo {
  path: string;
  kind: 'namespace' | 'entry';
  /** Grants on exactly this namespace or entry. */
  grants: GrantInfo[];
  /** Every current member and their effective bits here (inherited ones too). */
  members: Array<{ name: string; access: AccessBit[] }>;
  you: string;
  yourAccess: AccessBit[];
}

export interface RevokeOutcome {
  /** What the rotation did. */
  report: RotationReport;
  /** The sharing view after the revocation. */
  sharing: SharingInfo;
  /** The grantee's bits here before and after. */
  before: AccessBit[];
  after: AccessBit[];
  /**
   * Namespaces (ending in "/") and entries at or below the path the grantee can still read after
   * it (through other grants), as far as you can see their paths.
   */
  stillReadable: string[];
  /** Paths outside this one where the grantee still holds a valid grant (as far as you see). */
  elsewhere: string[];
  /** Grants of the grantee elsewhere on things whose path you cannot see. */
  elsewhereHidden: number;
}

type Kind = 'namespace' | 'entry';

/** The records after a change, without copying the rest (the model's draft). */
function applied(records: StoreRecords, change: StoreChange): StoreDraft {
  const draft = new StoreDraft(records);
  for (const r of change.put.namespaces) draft.putNamespace(r);
  for (const r of change.put.grants) draft.putGrant(r);
  for (const r of change.put.entries) draft.putEntry(r);
  for (const id of change.remove.namespaces) draft.remove('namespace', id);
  for (const id of change.remove.grants) draft.remove('grant', id);
  for (const id of change.remove.entries) draft.remove('entry', id);
  return draft;
}

/** Resolves `path` to a target of the expected kind (`STORE_NOT_FOUND` otherwise). */
function targetOfKind(s: StoreSession, path: string, kind: Kind) {
  const target = targetAt(s, path);
  if (target.kind !== kind) {
    throw new BackboneError(
      'STORE_NOT_FOUND',
      kind === 'namespace'
        ? 'There is no namespace at this path (it is an entry).'
        : 'There is no entry at this path (it is a namespace).',
    );
  }
  return target;
}

function accessTarget(
  records: StoreRecords,
  target: { kind: Kind; id: string; namespace: string },
): AccessTarget {
  if (target.kind === 'namespace') return { kind: 'namespace', id: target.id };
  return {
    kind: 'entry',
    id: target.id,
    namespace: records.entry(target.id)?.namespace ?? target.namespace,
  };
}

function sharingOf(
  ctx: StoreContext,
  records: StoreRecords,
  authority: StoreAuthority,
  target: AccessTarget,
  path: string,
): SharingInfo {
  const grants = records
    .allGrants()
    .filter((g) => g.target.id === target.id)
    .map((g): GrantInfo => {
      const issue = authority.grantProblem(g.id);
      return {
        id: g.id,
        grantee: g.grantee,
        granter: g.granter,
        access: [...g.access],
        valid: authority.isGrantValid(g.id),
        ...(issue ? { problem: issue.message } : {}),
      };
    })
    .sort((a, b) => a.grantee.localeCompare(b.grantee) || a.granter.localeCompare(b.granter));
  const members = [...ctx.membership.members.values()]
    .sort((a, b) => a.addedAt - b.addedAt || a.name.localeCompare(b.name))
    .map((m) => ({ name: m.name, access: authority.bitsOn(m.name, target) }));
  return {
    path,
    kind: target.kind,
    grants,
    members,
    you: ctx.actor.name,
    yourAccess: authority.bitsOn(ctx.actor.name, target),
  };
}

export class VaultApi {
  readonly #memos = new Map<string, ListingMemo>();

  constructor(
    private readonly ctx: ClientContext,
    private readonly workspaces: WorkspaceApi,
    private readonly service: StoreService,
  ) {}

  /** Drops what listings remembered (paths) from memory. */
  forget(): void {
    for (const memo of this.#memos.values()) memo.clear();
    this.#memos.clear();
  }

  /**
   * Seeds the listing memo of the copy's workspace from what the copy says was checked (only
   * when this client has not listed it yet): the next `snapshot()` is then fast. The copy must be
   * this client's own (e.g. decrypted from its own encrypted cache).
   */
  async remember(copy: StoreCopy): Promise<void> {
    const server = await this.ctx.server();
    const memo = this.#memo(`${server.serverId}/${copy.workspaceId}`);
    if (memo.signatures.size > 0 || memo.paths.size > 0 || !copy.checked) return;
    for (const [id, digest] of Object.entries(copy.checked.signatures)) {
      memo.signatures.set(id, digest);
    }
    for (const [id, opened] of Object.entries(copy.checked.paths)) memo.paths.set(id, opened);
  }

  #memo(key: string): ListingMemo {
    let memo = this.#memos.get(key);
    if (!memo) {
      memo = new ListingMemo();
      this.#memos.set(key, memo);
    }
    return memo;
  }

  #listing(
    ctx: StoreContext,
    records: StoreRecords,
    fetchedAt: string,
    memoKey: string,
  ): VaultListing {
    const listing = listStore(ctx, records, { memo: this.#memo(memoKey) });
    const me = ctx.membership.members.get(ctx.actor.name)!;
    return {
      ...listing,
      workspaceId: ctx.membership.workspaceId,
      displayName: ctx.membership.displayName,
      you: me.name,
      root: has(me.permissions, 'ROOT'),
      fetchedAt,
    };
  }

  /**
   * One fetch of every record and the verified membership state: the listing (no values) and a
   * copy to keep for offline use.
   */
  async snapshot(options: StoreOptions = {}): Promise<{ listing: VaultListing; copy: StoreCopy }> {
    const server = await this.ctx.server();
    return this.service.run(
      options,
      () => ({ all: true }),
      (ctx, { view }) => {
        const fetchedAt = new Date().toISOString();
        const log = this.workspaces.rawLog(ctx.membership);
        if (log === undefined) {
          throw new BackboneError('INTERNAL', 'The verified membership log was not kept.');
        }
        const listing = this.#listing(
          ctx,
          view,
          fetchedAt,
          `${server.serverId}/${view.workspaceId}`,
        );
        const snapshot = view.snapshot();
        const memo = this.#memo(`${server.serverId}/${view.workspaceId}`);
        memo.retain(new Set(snapshot.entries.map((e) => e.id)));
        const copy: StoreCopy = {
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
        return { result: { listing, copy }, commit: null };
      },
    );
  }

  /**
   * Opens a copy without the server: the log verified again (pinned genesis hash; the pinned
   * head too when the copy reaches it), the records parsed by the model, this identity's keys.
   * No rollback memory: the copy is this device's own, it may be older than what it saw since.
   */
  async #openCopy(
    value: unknown,
  ): Promise<{ ctx: StoreContext; view: StoreView; copy: StoreCopy; done(): void }> {
    const parsed = storeCopySchema.safeParse(value);
    if (!parsed.success) {
      throw new BackboneError('INVALID_ARGUMENT', 'This local copy of the store is damaged.');
    }
    const copy = parsed.data;
    const server = await this.ctx.server();
    const pin = await this.ctx.store.getWorkspacePin(server.serverId, copy.workspaceId);
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
    const keys = await this.ctx.keys();
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

  /** Lists a copy kept from `snapshot()` (offline). */
  async listCopy(copy: unknown): Promise<VaultListing> {
    const opened = await this.#openCopy(copy);
    try {
      const server = await this.ctx.server();
      await this.remember(opened.copy);
      return this.#listing(
        opened.ctx,
        opened.view,
        opened.copy.fetchedAt,
        `${server.serverId}/${opened.copy.workspaceId}`,
      );
    } finally {
      opened.done();
    }
  }

  /** Reads one entry of a copy kept from `snapshot()` (offline), with every check of a read. */
  async readCopy(copy: unknown, path: string): Promise<EntryInfo> {
    const opened = await this.#openCopy(copy);
    try {
      const entry = readEntry(opened.ctx, opened.view, path);
      try {
        return {
          key: entry.path,
          value: fromUtf8(entry.value),
          version: entry.version,
          writer: entry.writer,
          expiresAt: entry.expiresAt,
        };
      } finally {
        sodium().memzero(entry.value);
      }
    } finally {
      opened.done();
    }
  }

  /**
   * Writes an entry (creating the store's root first if there is none and you are ROOT), with
   * the editor's checks (`create`, `expectVersion`). Returns it as a listing shows it.
   */
  async set(path: string, value: string | Uint8Array, options: VaultSetOptions = {}) {
    const normalized = normalizePath(path);
    return this.service.runWithRoot(
      options,
      (ctx) => ({ tokens: [pathToken(ctx.namingKey, normalized)] }),
      (ctx, { view, tombstones }): { result: ListedEntry; commit: { change: StoreChange } } => {
        const token = pathToken(ctx.namingKey, normalized);
        const existing = view.entryByToken(token);
        if (options.create && (existing || view.namespaceByToken(token))) {
          throw new BackboneError(
            'STORE_EXISTS',
            existing
              ? 'There is already an entry at this path. Open it to change it, or choose another name.'
              : 'There is already a folder at this path. Choose another name.',
          );
        }
        if (options.expectVersion !== undefined) {
          if (!existing) {
            throw new BackboneError(
              'STORE_NOT_FOUND',
              'This entry was deleted meanwhile. Create it again if you still need it.',
            );
          }
          if (existing.version !== options.expectVersion) {
            throw new BackboneError(
              'STORE_CONFLICT',
              `${existing.writer} changed this entry meanwhile (now version ${existing.version}). Reload it and make your change again.`,
            );
          }
        }
        const write = writeEntry(ctx, view, {
          path: normalized,
          value,
          expiresAt: options.expiresAt ?? null,
          previousVersion: tombstones[token] ?? 0,
        });
        const s = new StoreSession(ctx, view);
        try {
          const home = s.nearestNamespace(normalized);
          const record = write.record;
          const expiresAt = record.expiresAt;
          return {
            result: {
              id: record.id,
              path: normalized,
              namespace: s.resolver.namespacePath(home.id).path,
              version: record.version,
              writer: record.writer,
              expiresAt,
              expired: expiresAt !== null && Date.now() >= Date.parse(expiresAt),
              access: s.authority.bitsOn(ctx.actor.name, {
                kind: 'entry',
                id: record.id,
                namespace: home.id,
              }),
            },
            commit: { change: write.change },
          };
        } finally {
          s.resolver.wipe();
        }
      },
      () => this.#ensureRoot(options),
    );
  }

  async #ensureRoot(options: StoreOptions): Promise<void> {
    const state = await this.workspaces.state(
      options.workspaceId === undefined ? {} : { workspaceId: options.workspaceId },
    );
    const keys = await this.ctx.keys();
    const me = memberBySignKey(state, keys.identity.signKeyPair.publicKey);
    if (!me || !has(me.permissions, 'ROOT')) throw noStore();
    await this.service.ensureRoot(options);
  }

  /**
   * Deletes the entry at `path` (needs DELETE) and returns what it held, so an app can offer to
   * undo (write it again with `set(…, {create: true})`). An expired value is returned too.
   */
  async take(path: string, options: StoreOptions = {}): Promise<TakenEntry> {
    const normalized = normalizePath(path);
    return this.service.run(
      options,
      (ctx) => ({ tokens: [pathToken(ctx.namingKey, normalized)] }),
      (ctx, { view }) => {
        const record = view.entryByToken(pathToken(ctx.namingKey, normalized));
        if (!record) throw new BackboneError('STORE_NOT_FOUND', 'There is no entry at this path.');
        const expired = record.expiresAt !== null && Date.now() >= Date.parse(record.expiresAt);
        // An expired entry is still checked and decrypted for the undo copy: only the expiry
        // check is moved back (to the epoch).
        const entry = readEntry(
          expired ? { ...ctx, now: () => new Date(0) } : ctx,
          view,
          normalized,
        );
        // Read first: deleting makes this device remember the deletion (and refuse the record).
        const change = deleteEntry(ctx, view, normalized);
        return {
          result: {
            path: entry.path,
            value: entry.value,
            version: entry.version,
            expiresAt: entry.expiresAt,
          },
          commit: { change },
        };
      },
    );
  }

  /** Creates a namespace (see `client.namespace.create`) and returns it as a listing shows it. */
  async createNamespace(
    path: string,
    options: StoreOptions & { isolated?: boolean } = {},
  ): Promise<ListedNamespace> {
    const normalized = normalizePath(path);
    if (normalized === ROOT_PATH) {
      throw new BackboneError('STORE_INVALID_PATH', 'Give the new namespace a name.');
    }
    return this.service.runWithRoot(
      options,
      () => ({ all: true }),
      (ctx, { view }) => {
        const created = createNamespace(ctx, view, {
          path: normalized,
          isolated: options.isolated === true,
        });
        const post = analyzeStore(applied(view, created.change), ctx.membership);
        return {
          result: {
            id: created.namespace.id,
            path: normalized,
            isolated: created.namespace.isolated,
            access: post.bitsOn(ctx.actor.name, {
              kind: 'namespace',
              id: created.namespace.id,
            }),
          },
          commit: { change: created.change },
        };
      },
      () => this.#ensureRoot(options),
    );
  }

  /**
   * Deletes the namespace at `path` (needs DELETE); what it holds moves up one level. `moved`
   * counts the entries and namespaces that moved.
   */
  async deleteNamespace(
    path: string,
    options: StoreOptions = {},
  ): Promise<{ path: string; moved: number }> {
    const normalized = normalizePath(path);
    return this.service.run(
      options,
      () => ({ all: true }),
      (ctx, { view }) => {
        const deletion = deleteNamespace(ctx, view, normalized);
        const after = deletion.bundle?.change ?? deletion.change;
        const removedId = after.remove.namespaces[0];
        const moved =
          after.put.namespaces.filter((r) => view.namespace(r.id)?.parent === removedId).length +
          after.put.entries.filter((r) => view.entry(r.id)?.namespace === removedId).length;
        return {
          result: { path: normalized, moved },
          commit: deletion.bundle ? { bundle: deletion.bundle } : { change: deletion.change },
        };
      },
    );
  }

  /** Who holds what on the namespace or entry at `path`. */
  async sharing(path: string, kind: Kind, options: StoreOptions = {}): Promise<SharingInfo> {
    const normalized = normalizePath(path);
    return this.service.run(
      options,
      (ctx) => ({ tokens: [pathToken(ctx.namingKey, normalized)] }),
      (ctx, { view }) => {
        const s = new StoreSession(ctx, view);
        try {
          const target = accessTarget(view, targetOfKind(s, normalized, kind));
          return { result: sharingOf(ctx, view, s.authority, target, normalized), commit: null };
        } finally {
          s.resolver.wipe();
        }
      },
    );
  }

  /** Grants `access` on the namespace or entry at `path`; returns the sharing view after it. */
  async grant(
    path: string,
    kind: Kind,
    grantee: string,
    access: Iterable<AccessBit | string>,
    options: StoreOptions = {},
  ): Promise<SharingInfo> {
    const normalized = normalizePath(path);
    return this.service.run(
      options,
      (ctx) => ({ tokens: [pathToken(ctx.namingKey, normalized)] }),
      (ctx, { view }) => {
        const s = new StoreSession(ctx, view);
        let target: AccessTarget;
        try {
          target = accessTarget(view, targetOfKind(s, normalized, kind));
        } finally {
          s.resolver.wipe();
        }
        const { change } = grantAccess(ctx, view, { path: normalized, grantee, access });
        const post = applied(view, change);
        const sharing = sharingOf(
          ctx,
          post,
          analyzeStore(post, ctx.membership),
          target,
          normalized,
        );
        return { result: sharing, commit: { change } };
      },
    );
  }

  /**
   * Revokes every grant of `grantee` on the namespace or entry at `path` (a key rotation, see
   * `revokeAccess`) and says what changed for them, from the records after the rotation.
   */
  async revoke(
    path: string,
    kind: Kind,
    grantee: string,
    options: StoreOptions = {},
  ): Promise<RevokeOutcome> {
    const normalized = normalizePath(path);
    const server = await this.ctx.server();
    return this.service.run(
      options,
      () => ({ all: true }),
      (ctx, { view }) => {
        const s = new StoreSession(ctx, view);
        let target: AccessTarget;
        let before: AccessBit[];
        try {
          target = accessTarget(view, targetOfKind(s, normalized, kind));
          before = s.authority.bitsOn(grantee, target);
        } finally {
          s.resolver.wipe();
        }
        // Paths as you see them (ids do not change in a rotation).
        const seen = this.#listing(
          ctx,
          view,
          new Date().toISOString(),
          `${server.serverId}/${view.workspaceId}`,
        );
        const { bundle, report } = revokeAccess(ctx, view, { path: normalized, grantee });
        const post = applied(view, bundle.change);
        const authority = analyzeStore(post, ctx.membership);
        const within = (p: string): boolean =>
          kind === 'namespace'
            ? p === normalized || isDescendantPath(p, normalized)
            : p === normalized;

        const stillReadable: string[] = [];
        const readableNamespaces: string[] = [];
        for (const ns of seen.namespaces) {
          if (!within(ns.path) || !authority.node(ns.id)) continue;
          if (hasAccess(authority.bitsOn(grantee, { kind: 'namespace', id: ns.id }), 'READ')) {
            readableNamespaces.push(ns.path);
            stillReadable.push(`${ns.path}/`);
          }
        }
        for (const e of seen.entries) {
          if (!within(e.path)) continue;
          if (readableNamespaces.some((p) => isDescendantPath(e.path, p))) continue;
          const record = post.entry(e.id);
          if (!record) continue;
          const bits = authority.bitsOn(grantee, {
            kind: 'entry',
            id: e.id,
            namespace: record.namespace,
          });
          if (hasAccess(bits, 'READ')) stillReadable.push(e.path);
        }

        const pathById = new Map<string, string>();
        for (const ns of seen.namespaces) pathById.set(ns.id, `${ns.path}/`);
        for (const e of seen.entries) pathById.set(e.id, e.path);
        const elsewhere = new Set<string>();
        let elsewhereHidden = 0;
        for (const g of authority.validGrants()) {
          if (g.grantee !== grantee) continue;
          const known = pathById.get(g.target.id);
          if (known === undefined) {
            elsewhereHidden++;
            continue;
          }
          const bare = known.endsWith('/') ? known.slice(0, -1) : known;
          if (!within(bare)) elsewhere.add(known);
        }
        return {
          result: {
            report,
            sharing: sharingOf(ctx, post, authority, target, normalized),
            before,
            after: authority.bitsOn(grantee, target),
            stillReadable: stillReadable.sort(),
            elsewhere: [...elsewhere].sort(),
            elsewhereHidden,
          },
          commit: { bundle },
        };
      },
    );
  }
}

/** True for the errors of a server that cannot be reached at all (not: a refusal). */
export function isUnreachable(error: unknown): error is BackboneError {
  return isBackboneError(error, 'SERVER_UNREACHABLE') || isBackboneError(error, 'REQUEST_TIMEOUT');
}
