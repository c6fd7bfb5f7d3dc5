/**
 * `client.entry` and `client.namespace`: the encrypted store (docs/store.md) over the server's
 * store endpoints (src-shared/api/store.ts), with the pure model of src-shared/store doing every
 * cryptographic step.
 *
 * Each operation: (1) the verified membership state (`client.workspace.state()`: the pinned,
 * verified log — never a bare server answer), this identity's keys and the naming key opened
 * from the log; (2) the records the operation needs, fetched and parsed with the model's
 * schemas; (3) the model operation, which checks everything it reads and returns a change set or
 * a signed rotation bundle; (4) the commit, retried with fresh records when the server answers
 * `STORE_CONFLICT` (someone else changed the same records meanwhile).
 *
 * Rollback memory: a `SeenVersions` per workspace, loaded from and saved to the client store
 * sealed under this identity's key (`seen-file.ts`; `ClientStore.getStoreSeen/updateStoreSeen`).
 * Every attempt works on a copy, adopted only when the operation succeeds, so a failed commit
 * never records versions that do not exist; saving merges with what another process saved.
 *
 * Search: path tokens are keyed hashes of whole paths, so the server cannot match prefixes;
 * `search` fetches every record and matches the decrypted paths of what this member can read.
 */
import { API_VERSION } from '../api/common.js';
import {
  STORE_PAGE_MAX,
  storeCommitResponseSchema,
  storeRecordsResponseSchema,
  type StoreCommitResponse,
  type StoreEntrySelection,
} from '../api/store.js';
import { fromUtf8, sodium, type SymmetricKey } from '../crypto/index.js';
import { BackboneError, isBackboneError } from '../errors.js';
import {
  ROOT_PATH,
  SeenVersions,
  StoreSession,
  StoreView,
  accessOf,
  createNamespace,
  createRootNamespace,
  deleteEntry,
  deleteNamespace,
  grantAccess,
  isDescendantPath,
  listGrants,
  listNamespace,
  normalizePath,
  pathToken,
  readEntry,
  retokenize,
  revokeAccess,
  writeEntry,
  type AccessBit,
  type GrantInfo,
  type NamespaceListing,
  type RotationBundle,
  type RotationReport,
  type StoreChange,
  type StoreContext,
} from '../store/index.js';
import { isTrustedEntry } from '../store/entries.js';
import { memberBySignKey, type MembershipState } from '../workspace/membership-log.js';
import { memberNamingKey, wipeNamingKey } from '../workspace/naming-key.js';
import type { ClientContext } from './client-context.js';
import { ServerError } from './http.js';
import { deriveSeenKey, loadSeen, saveSeen, type SeenOwner } from './seen-file.js';
import type { WorkspaceApi } from './workspaces.js';

/** Commit attempts before a conflict is reported. */
export const STORE_ATTEMPTS = 5;

export interface StoreOptions {
  workspaceId?: string;
  /** Commit attempts on `STORE_CONFLICT` (default 5; 1 = report the first conflict). */
  attempts?: number;
}

export interface EntrySetOptions extends StoreOptions {
  /** Expire after this many seconds. */
  ttl?: number;
  /** Or at this time. */
  expiresAt?: Date | string;
}

export interface EntryInfo {
  key: string;
  value: string;
  version: number;
  writer: string;
  expiresAt: string | null;
}

export interface GrantOptions extends StoreOptions {
  /** Default READ. */
  access?: Iterable<AccessBit | string>;
}

/** What a model operation returns to commit. */
type Commit = { change: StoreChange } | { bundle: RotationBundle } | null;

interface Prepared<T> {
  result: T;
  commit: Commit;
}

interface OpenedRecords {
  view: StoreView;
  tombstones: Record<string, number>;
}

/** The plumbing shared by both groups (exported for tests and benchmarks). */
export class StoreService {
  readonly #seen = new Map<string, SeenVersions>();
  /** Store revisions of this client's own recent commits, per workspace (newest last). */
  readonly #ownRevisions = new Map<string, number[]>();
  /** `workspace/naming generation` where re-tokenizing found nothing left for this member. */
  readonly #retokenized = new Set<string>();

  constructor(
    private readonly ctx: ClientContext,
    private readonly workspaces: WorkspaceApi,
  ) {}

  #id(workspaceId?: string): string {
    const id = workspaceId ?? this.ctx.workspaceId;
    if (id === undefined) {
      throw new BackboneError('INVALID_ARGUMENT', 'Say which workspace (the client has none set).');
    }
    return id;
  }

  /** Runs `task` with this identity's key for the saved rollback memory (wiped after). */
  async #withSeenKey<T>(
    serverId: string,
    workspaceId: string,
    task: (key: SymmetricKey, owner: SeenOwner) => Promise<T>,
  ): Promise<T> {
    const keys = await this.ctx.keys();
    const key = deriveSeenKey(keys.rootSecret);
    try {
      return await task(key, { identity: keys.address, serverId, workspaceId });
    } finally {
      sodium().memzero(key);
    }
  }

  /**
   * This process's memory merged with the saved one, read again for every operation: what
   * another process on the same profile saw since (the CLI while the app runs) counts at once.
   */
  async #loadSeen(serverId: string, id: string): Promise<SeenVersions> {
    const key = `${serverId}/${id}`;
    const saved = await this.#withSeenKey(serverId, id, (sealKey, owner) =>
      loadSeen(this.ctx.store, sealKey, owner),
    );
    const seen = this.#seen.get(key)?.merge(saved) ?? saved;
    this.#seen.set(key, seen);
    return seen;
  }

  /** Saves (read-merge-write: never lowers) and adopts what is saved now. */
  async #saveSeen(serverId: string, id: string, seen: SeenVersions): Promise<void> {
    const key = `${serverId}/${id}`;
    this.#seen.set(key, seen);
    const merged = await this.#withSeenKey(serverId, id, (sealKey, owner) =>
      saveSeen(this.ctx.store, sealKey, owner, seen),
    );
    this.#seen.set(key, merged);
  }

  /** The context for one attempt: verified state, own keys, naming key, a copy of `seen`. */
  async context(
    workspaceId?: string,
  ): Promise<{ ctx: StoreContext; state: MembershipState; done(ok: boolean): Promise<void> }> {
    const id = this.#id(workspaceId);
    const state = await this.workspaces.state({ workspaceId: id });
    const keys = await this.ctx.keys();
    const me = memberBySignKey(state, keys.identity.signKeyPair.publicKey);
    if (!me) {
      throw new BackboneError(
        'STORE_FORBIDDEN',
        'You are not a member of this workspace (per its verified membership log).',
      );
    }
    const { key: namingKey } = memberNamingKey(state, me.name, keys.identity.boxKeyPair);
    const server = await this.ctx.server();
    const saved = await this.#loadSeen(server.serverId, id);
    const seen = SeenVersions.fromJSON(saved.toJSON());
    const ctx: StoreContext = {
      membership: state,
      actor: {
        name: me.name,
        signKeyPair: keys.identity.signKeyPair,
        boxKeyPair: keys.identity.boxKeyPair,
      },
      namingKey,
      seen,
    };
    return {
      ctx,
      state,
      done: async (ok) => {
        wipeNamingKey(namingKey);
        if (!ok) return;
        // Like the pins: nothing is remembered on disk for a workspace not confirmed here.
        if (await this.workspaces.isConfirmed(id)) await this.#saveSeen(server.serverId, id, seen);
        else this.#seen.set(`${server.serverId}/${id}`, seen);
      },
    };
  }

  /** Fetches the records of a selection (every page) and parses them with the model. */
  async records(selection: StoreEntrySelection, workspaceId?: string): Promise<OpenedRecords> {
    const id = this.#id(workspaceId);
    const namespaces: unknown[] = [];
    const grants: unknown[] = [];
    const entries: unknown[] = [];
    const tombstones: Record<string, number> = {};
    let after: string | undefined;
    for (;;) {
      const page = await this.ctx.authorized((token) =>
        this.ctx.http.request('POST', `/v1/workspaces/${id}/store/records`, {
          schema: storeRecordsResponseSchema,
          body: {
            v: API_VERSION,
            entries: selection,
            ...(after !== undefined ? { after } : {}),
            limit: STORE_PAGE_MAX,
          },
          token,
          idempotent: true,
        }),
      );
      if (page.workspace !== id) {
        throw new BackboneError(
          'SERVER_INVALID_RESPONSE',
          'The server answered with the store of another workspace.',
        );
      }
      namespaces.push(...page.namespaces);
      grants.push(...page.grants);
      entries.push(...page.entries);
      Object.assign(tombstones, page.tombstones);
      if (page.next === null) break;
      if (after !== undefined && page.next <= after) {
        throw new BackboneError('SERVER_INVALID_RESPONSE', 'The server pages went backwards.');
      }
      after = page.next;
    }
    const view = new StoreView(id, {
      namespaces: namespaces as never[],
      grants: grants as never[],
      entries: entries as never[],
    });
    return { view, tombstones };
  }

  /** Sends a change set or rotation bundle. */
  async commit(body: Exclude<Commit, null>, workspaceId?: string): Promise<StoreCommitResponse> {
    const id = this.#id(workspaceId);
    // Nothing is written to a workspace whose fingerprint was never confirmed here.
    await this.workspaces.requireConfirmed(id);
    const answer = await this.ctx.authorized((token) =>
      this.ctx.http.request('POST', `/v1/workspaces/${id}/store/commit`, {
        schema: storeCommitResponseSchema,
        body: { v: API_VERSION, ...body },
        token,
      }),
    );
    const own = this.#ownRevisions.get(id) ?? [];
    own.push(answer.revision);
    if (own.length > 100) own.shift();
    this.#ownRevisions.set(id, own);
    return answer;
  }

  /**
   * True if the store revision was made by one of this client's recent commits (so a
   * `store.changed` event for it is this client's own change, not someone else's).
   */
  isOwnCommit(workspaceId: string, revision: number): boolean {
    return this.#ownRevisions.get(workspaceId)?.includes(revision) === true;
  }

  /**
   * Runs one operation: context, records (`select` may look at the context), the model step
   * (`prepare`), the commit — again with fresh records on a server `STORE_CONFLICT`, and after
   * finishing an interrupted re-tokenizing (`#finishRetokenizing`).
   */
  async run<T>(
    options: StoreOptions,
    select: (ctx: StoreContext) => StoreEntrySelection,
    prepare: (ctx: StoreContext, records: OpenedRecords) => Prepared<T>,
    /** Finish an interrupted re-tokenizing first (default; off for the re-tokenizing itself). */
    finishRetokenizing = true,
  ): Promise<T> {
    const attempts = Math.max(1, options.attempts ?? STORE_ATTEMPTS);
    let finishing = finishRetokenizing;
    for (let attempt = 1; ; attempt++) {
      const { ctx, done } = await this.context(options.workspaceId);
      let ok = false;
      try {
        const records = await this.records(select(ctx), options.workspaceId);
        if (finishing && (await this.#finishRetokenizing(ctx, records.view, options.workspaceId))) {
          finishing = false; // once per operation
          ok = true;
          attempt--;
          continue;
        }
        const { result, commit } = prepare(ctx, records);
        if (commit) await this.commit(commit, options.workspaceId);
        ok = true;
        return result;
      } catch (error) {
        const conflict = error instanceof ServerError && error.serverCode === 'STORE_CONFLICT';
        if (!conflict || attempt >= attempts) throw error;
      } finally {
        await done(ok);
      }
    }
  }

  /**
   * Finishes a naming-key rotation whose re-tokenizing never happened (the remover crashed, or
   * the server went down, between the removal and its store cleanup): while records are still
   * under an older naming key, every path looks empty under the current one. When a namespace
   * (always all fetched) is older, re-tokenizes what this member can reach and commits it;
   * true if it committed (run the operation again on fresh records). Once a generation has
   * nothing left that this member can move (the rest is its holders'), it is not tried again.
   */
  async #finishRetokenizing(
    ctx: StoreContext,
    view: StoreView,
    workspaceId: string | undefined,
  ): Promise<boolean> {
    const generation = ctx.membership.namingKey.generation;
    const key = `${this.#id(workspaceId)}/${generation}`;
    if (this.#retokenized.has(key)) return false;
    // Nothing is written to a workspace whose fingerprint is not confirmed here (a read goes on).
    if (!(await this.workspaces.isConfirmed(this.#id(workspaceId)))) return false;
    if (!view.allNamespaces().some((r) => r.naming < generation)) return false;
    const { view: all } = await this.records({ all: true }, workspaceId);
    try {
      const r = retokenize(ctx, all);
      if (r.updated.namespaces + r.updated.entries === 0) {
        this.#retokenized.add(key);
        return false;
      }
      await this.commit({ change: r.change }, workspaceId);
      return true;
    } catch (error) {
      // Another client finished it first: run the operation again on fresh records (the caller
      // finishes at most once per operation).
      if (error instanceof ServerError && error.serverCode === 'STORE_CONFLICT') return true;
      // A path was written again under the new naming key meanwhile, so an old record cannot
      // move onto it: the operation goes on with what it can see; this generation is not retried.
      if (isBackboneError(error) && error.code === 'STORE_CONFLICT') {
        this.#retokenized.add(key);
        return false;
      }
      throw error;
    }
  }

  /** Creates the root namespace if the store has none (needs ROOT). */
  async ensureRoot(options: StoreOptions = {}): Promise<void> {
    await this.workspaces.requireConfirmed(options.workspaceId ?? this.ctx.workspaceId);
    await this.run(
      options,
      () => ({ none: true }),
      (ctx, { view }) => {
        if (view.allNamespaces().some((r) => r.parent === null)) {
          return { result: undefined, commit: null };
        }
        return { result: undefined, commit: { change: createRootNamespace(ctx, view).change } };
      },
    );
  }

  /**
   * `run` for an operation that needs the store's root namespace: when the store has none yet,
   * `createRoot` (default `ensureRoot`) makes it and the operation runs once more; if there is
   * still none, `STORE_NOT_FOUND`.
   */
  async runWithRoot<T>(
    options: StoreOptions,
    select: (ctx: StoreContext) => StoreEntrySelection,
    prepare: (ctx: StoreContext, records: OpenedRecords) => Prepared<T>,
    createRoot: () => Promise<void> = () => this.ensureRoot(options),
  ): Promise<T> {
    // Writes only: refused up front (before any model step) until the fingerprint is confirmed.
    await this.workspaces.requireConfirmed(options.workspaceId ?? this.ctx.workspaceId);
    for (let round = 0; ; round++) {
      try {
        return await this.run(options, select, (ctx, records) => {
          if (!hasRoot(records.view)) throw new NoRoot();
          return prepare(ctx, records);
        });
      } catch (error) {
        if (!(error instanceof NoRoot)) throw error;
        if (round > 0) throw noStore();
        await createRoot();
      }
    }
  }
}

function tokenOf(ctx: StoreContext, key: string): string {
  return pathToken(ctx.namingKey, normalizePath(key));
}

function expiry(options: EntrySetOptions): Date | string | null {
  if (options.expiresAt !== undefined) return options.expiresAt;
  if (options.ttl !== undefined) {
    if (!Number.isFinite(options.ttl) || options.ttl <= 0) {
      throw new BackboneError('INVALID_ARGUMENT', 'A ttl is a positive number of seconds.');
    }
    return new Date(Date.now() + options.ttl * 1000);
  }
  return null;
}

function hasRoot(view: StoreView): boolean {
  return view.allNamespaces().some((r) => r.parent === null);
}

/** Paths this member can read, from a full fetch (entries: trusted ones only). */
function readablePaths(
  ctx: StoreContext,
  view: StoreView,
): { namespaces: Array<{ path: string; isolated: boolean }>; entries: string[] } {
  const s = new StoreSession(ctx, view);
  try {
    const namespaces: Array<{ path: string; isolated: boolean }> = [];
    for (const r of view.allNamespaces()) {
      // refused records (e.g. a namespace this device deleted, replayed) are skipped, not fatal
      if (!s.authority.node(r.id)) continue;
      const path = s.resolver.tryNamespacePath(r.id);
      if (path !== undefined) {
        namespaces.push({ path, isolated: r.isolated });
      }
    }
    const entries: string[] = [];
    for (const e of view.allEntries()) {
      if (!isTrustedEntry(s.authority, ctx.membership, e)) continue;
      try {
        const opened = s.resolver.entryKey(e);
        sodium().memzero(opened.key);
        // a replayed or deleted record is not listed (STORE_STALE)
        ctx.seen?.checkEntry(opened.path, e.id, e.version, e.shareEpoch);
        entries.push(opened.path);
      } catch (error) {
        if (!isBackboneError(error)) throw error;
      }
    }
    return { namespaces, entries };
  } finally {
    s.resolver.wipe();
  }
}

function matches(path: string, query: string): boolean {
  if (query === '' || query === ROOT_PATH) return true;
  return path === query || path.startsWith(query) || isDescendantPath(path, query);
}

export class EntryApi {
  constructor(private readonly service: StoreService) {}

  /** The value at `key` as text (`STORE_NOT_FOUND` if none). */
  async get(key: string, options: StoreOptions = {}): Promise<string> {
    return (await this.info(key, options)).value;
  }

  /** The value at `key` with its version, writer and expiry. */
  async info(key: string, options: StoreOptions = {}): Promise<EntryInfo> {
    return this.service.run(
      options,
      (ctx) => ({ tokens: [tokenOf(ctx, key)] }),
      (ctx, { view }) => {
        const entry = readEntry(ctx, view, key);
        try {
          return {
            result: {
              key: entry.path,
              value: fromUtf8(entry.value),
              version: entry.version,
              writer: entry.writer,
              expiresAt: entry.expiresAt,
            },
            commit: null,
          };
        } finally {
          sodium().memzero(entry.value);
        }
      },
    );
  }

  /** The raw bytes at `key`. */
  async getBytes(key: string, options: StoreOptions = {}): Promise<Uint8Array> {
    return this.service.run(
      options,
      (ctx) => ({ tokens: [tokenOf(ctx, key)] }),
      (ctx, { view }) => ({ result: readEntry(ctx, view, key).value, commit: null }),
    );
  }

  /**
   * Writes `value` (text or bytes, at most 2048 bytes: `STORE_VALUE_TOO_LARGE`) at `key`. Creates
   * the store's root namespace first if there is none and you are ROOT.
   */
  async set(
    key: string,
    value: string | Uint8Array,
    options: EntrySetOptions = {},
  ): Promise<{ key: string; version: number; expiresAt: string | null }> {
    const expiresAt = expiry(options);
    return this.service.runWithRoot(
      options,
      (ctx) => ({ tokens: [tokenOf(ctx, key)] }),
      (ctx, { view, tombstones }) => {
        const token = tokenOf(ctx, key);
        const write = writeEntry(ctx, view, {
          path: key,
          value,
          expiresAt,
          previousVersion: tombstones[token] ?? 0,
        });
        return {
          result: {
            key: normalizePath(key),
            version: write.record.version,
            expiresAt: write.record.expiresAt,
          },
          commit: { change: write.change },
        };
      },
    );
  }

  /** Deletes the entry at `key` (needs DELETE). */
  async delete(key: string, options: StoreOptions = {}): Promise<{ key: string }> {
    return this.service.run(
      options,
      (ctx) => ({ tokens: [tokenOf(ctx, key)] }),
      (ctx, { view }) => ({
        result: { key: normalizePath(key) },
        commit: { change: deleteEntry(ctx, view, key) },
      }),
    );
  }

  /** Keys of the entries you can read whose path starts with `prefix` (sorted). */
  async search(prefix = '', options: StoreOptions = {}): Promise<string[]> {
    return this.service.run(
      options,
      () => ({ all: true }),
      (ctx, { view }) => ({
        result: readablePaths(ctx, view)
          .entries.filter((p) => matches(p, prefix))
          .sort(),
        commit: null,
      }),
    );
  }

  /** Shares the entry at `key` with a member (default READ). */
  async grant(key: string, username: string, options: GrantOptions = {}): Promise<GrantInfo> {
    return grant(this.service, key, username, options);
  }

  /** Takes a member's access to the entry away (re-encrypts it under a fresh key). */
  async revoke(key: string, username: string, options: StoreOptions = {}): Promise<RotationReport> {
    return revoke(this.service, key, username, options, { tokens: [] });
  }

  /** The grants on the entry at `key`, with whether each counts. */
  async grants(key: string, options: StoreOptions = {}): Promise<GrantInfo[]> {
    return grantsOf(this.service, key, options);
  }

  /** A member's effective access bits on the entry at `key`. */
  async access(key: string, username: string, options: StoreOptions = {}): Promise<AccessBit[]> {
    return this.service.run(
      options,
      (ctx) => ({ tokens: [tokenOf(ctx, key)] }),
      (ctx, { view }) => ({ result: accessOf(ctx, view, key, username), commit: null }),
    );
  }
}

/** Thrown inside `runWithRoot` when the store has no root namespace yet. */
class NoRoot extends Error {}

export function noStore(): BackboneError {
  return new BackboneError(
    'STORE_NOT_FOUND',
    'This workspace has no store yet. An administrator (ROOT) creates it with the first write.',
  );
}

async function grant(
  service: StoreService,
  key: string,
  username: string,
  options: GrantOptions,
): Promise<GrantInfo> {
  return service.run(
    options,
    (ctx) => ({ tokens: [tokenOf(ctx, key)] }),
    (ctx, { view }) => {
      const result = grantAccess(ctx, view, {
        path: key,
        grantee: username,
        access: options.access ?? ['READ'],
      });
      return {
        result: {
          id: result.grant.id,
          grantee: result.grant.grantee,
          granter: result.grant.granter,
          access: [...result.grant.access],
          valid: true,
        },
        commit: { change: result.change },
      };
    },
  );
}

async function revoke(
  service: StoreService,
  key: string,
  username: string,
  options: StoreOptions,
  selection: StoreEntrySelection,
): Promise<RotationReport> {
  return service.run(
    options,
    (ctx) => ('tokens' in selection ? { tokens: [tokenOf(ctx, key)] } : selection),
    (ctx, { view }) => {
      const { bundle, report } = revokeAccess(ctx, view, { path: key, grantee: username });
      return { result: report, commit: { bundle } };
    },
  );
}

async function grantsOf(
  service: StoreService,
  key: string,
  options: StoreOptions,
): Promise<GrantInfo[]> {
  return service.run(
    options,
    (ctx) => ({ tokens: [tokenOf(ctx, key)] }),
    (ctx, { view }) => ({ result: listGrants(ctx, view, key), commit: null }),
  );
}

export class NamespaceApi {
  constructor(private readonly service: StoreService) {}

  /**
   * Creates a namespace (folder) at `key`; `isolated`: its key goes only to you. Creates the
   * store's root first if there is none and you are ROOT (`key` "" creates only the root).
   */
  async create(
    key: string,
    options: StoreOptions & { isolated?: boolean } = {},
  ): Promise<{ key: string; id: string; isolated: boolean; moved: number }> {
    if (normalizePath(key) === ROOT_PATH) {
      await this.service.ensureRoot(options);
      const listing = await this.list('', options);
      return { key: '', id: listing.id, isolated: false, moved: 0 };
    }
    return this.service.runWithRoot(
      options,
      () => ({ all: true }),
      (ctx, { view }) => {
        const created = createNamespace(ctx, view, {
          path: key,
          isolated: options.isolated === true,
        });
        return {
          result: {
            key: normalizePath(key),
            id: created.namespace.id,
            isolated: created.namespace.isolated,
            moved: created.moved.entries.length + created.moved.namespaces.length,
          },
          commit: { change: created.change },
        };
      },
    );
  }

  /** Deletes the namespace at `key`; what it holds moves up one level (needs DELETE). */
  async delete(key: string, options: StoreOptions = {}): Promise<{ key: string; moved: number }> {
    return this.service.run(
      options,
      () => ({ all: true }),
      (ctx, { view }) => {
        const deletion = deleteNamespace(ctx, view, key);
        return {
          result: {
            key: normalizePath(key),
            moved: deletion.report.resealedEntries.length,
          },
          commit: deletion.bundle ? { bundle: deletion.bundle } : { change: deletion.change },
        };
      },
    );
  }

  /** Namespaces and entries directly inside `key` (needs READ). */
  async list(key: string, options: StoreOptions = {}): Promise<NamespaceListing & { id: string }> {
    // First the structure (to find the namespace id), then only its entries.
    const id = await this.service.run(
      options,
      () => ({ none: true }),
      (ctx, { view }) => {
        const record = view.namespaceByToken(tokenOf(ctx, key));
        if (!record) {
          throw new BackboneError('STORE_NOT_FOUND', 'There is no namespace at this path.');
        }
        return { result: record.id, commit: null };
      },
    );
    return this.service.run(
      options,
      () => ({ namespaces: [id] }),
      (ctx, { view }) => ({ result: { ...listNamespace(ctx, view, key), id }, commit: null }),
    );
  }

  /** Namespaces you can see the path of whose path starts with `prefix` (sorted). */
  async search(
    prefix = '',
    options: StoreOptions = {},
  ): Promise<Array<{ key: string; isolated: boolean }>> {
    return this.service.run(
      options,
      () => ({ none: true }),
      (ctx, { view }) => ({
        result: readablePaths(ctx, view)
          .namespaces.filter((n) => n.path !== ROOT_PATH && matches(n.path, prefix))
          .map((n) => ({ key: n.path, isolated: n.isolated }))
          .sort((a, b) => (a.key < b.key ? -1 : 1)),
        commit: null,
      }),
    );
  }

  /** Shares the namespace at `key` (and what is below it) with a member (default READ). */
  async grant(key: string, username: string, options: GrantOptions = {}): Promise<GrantInfo> {
    return grant(this.service, key, username, options);
  }

  /**
   * Takes a member's access to the namespace away: new keys for it and everything below that
   * inherits from it, in one signed rotation.
   */
  async revoke(key: string, username: string, options: StoreOptions = {}): Promise<RotationReport> {
    return revoke(this.service, key, username, options, { all: true });
  }

  /** The grants on the namespace at `key`. */
  async grants(key: string, options: StoreOptions = {}): Promise<GrantInfo[]> {
    return grantsOf(this.service, key, options);
  }

  /**
   * After a member was removed from the workspace (`client.user.delete`, which rotates the
   * naming key): moves the records you can reach to their new tokens, then revokes every grant
   * the former member had (one rotation each). Returns what it did; records you cannot reach
   * are left for their holders.
   */
  async cleanupAfterRemoval(
    username: string,
    options: StoreOptions = {},
  ): Promise<{ retokenized: number; revoked: string[]; unreachable: number }> {
    const moved = await this.service.run(
      options,
      () => ({ all: true }),
      (ctx, { view }) => {
        const r = retokenize(ctx, view);
        const count = r.updated.namespaces + r.updated.entries;
        return {
          result: {
            count,
            unreachable: r.unreachable.namespaces.length + r.unreachable.entries.length,
          },
          commit: count > 0 ? { change: r.change } : null,
        };
      },
      false,
    );
    const revoked: string[] = [];
    for (let i = 0; i < 1000; i++) {
      const path = await this.service.run(
        options,
        () => ({ all: true }),
        (ctx, { view }) => {
          const s = new StoreSession(ctx, view);
          try {
            for (const g of view.allGrants()) {
              if (g.grantee !== username) continue;
              try {
                if (g.target.kind === 'namespace') {
                  return { result: s.resolver.namespacePath(g.target.id).path, commit: null };
                }
                const entry = view.entry(g.target.id);
                if (!entry) continue;
                const opened = s.resolver.entryKey(entry);
                sodium().memzero(opened.key);
                return { result: opened.path, commit: null };
              } catch (error) {
                if (!isBackboneError(error)) throw error;
              }
            }
            return { result: undefined, commit: null };
          } finally {
            s.resolver.wipe();
          }
        },
      );
      if (path === undefined || revoked.includes(path)) break;
      await revoke(this.service, path, username, options, { all: true });
      revoked.push(path);
    }
    return { retokenized: moved.count, revoked, unreachable: moved.unreachable };
  }
}
