/**
 * Encrypted store queries (Kysely, both backends); `KyselyStorage` delegates to these. The
 * records are opaque to the storage: routes/store.ts parses and checks them with the model.
 *
 * Atomicity of a commit (one transaction):
 *  1. `store_heads` row of the workspace upserted (+1): the first statement writes, so SQLite
 *     holds its write lock from the start and PostgreSQL serializes the workspace's commits on
 *     the row lock — the reads below see every earlier commit.
 *  2. The membership head must still be the one the route verified (`STORE_CONFLICT` otherwise).
 *  3. Every namespace and grant, the entries asked for, the entries that grants target and the
 *     entries filed under the namespaces the change puts are read; `decide` (the route's checks: compare-and-swap, model audit, permissions) returns the
 *     rows to write or throws, which rolls everything back.
 *  4. Removals, then puts (delete + insert), tombstones, a dangling-reference check, the events.
 *     The unique (workspace, token) index is the backstop for "one record per token".
 */
import { type Kysely, type Selectable, type Transaction } from 'kysely';
import { BackboneError } from '../../src-shared/errors.js';
import type { Database, StoreRecordsTable } from './schema.js';
import type { EventRecord, NewEvent, StorageBackend } from './records.js';
import type { WorkspaceQueries } from './workspaces-storage.js';

export type StoreKind = 'namespace' | 'grant' | 'entry';

/** A store record as stored: the JSON text plus the columns the server indexes. */
export interface StoredStoreRecord {
  kind: StoreKind;
  id: string;
  token: string | null;
  refId: string | null;
  /** Entries: expiry in ms since the epoch. */
  expiresAt: number | null;
  hash: string;
  record: string;
}

export type StoreEntrySelector =
  | { tokens: readonly string[] }
  | { ids: readonly string[] }
  | { namespaces: readonly string[] }
  | { all: true }
  | { none: true };

export interface StoreRecordsPage {
  namespaces: StoredStoreRecord[];
  grants: StoredStoreRecord[];
  entries: StoredStoreRecord[];
  tombstones: Map<string, number>;
  next: string | null;
}

/** What a commit reads inside its transaction. */
export interface StoreCommitState {
  /** The revision this commit will have. */
  revision: number;
  namespaces: StoredStoreRecord[];
  grants: StoredStoreRecord[];
  /**
   * The entries asked for (`load.entryIds`), the entries targeted by grants and the entries filed
   * under `load.namespaceIds` (unexpired).
   */
  entries: StoredStoreRecord[];
  /** Token → last deleted version, for `load.tokens`. */
  tombstones: Map<string, number>;
}

export interface StoreCommitLoad {
  entryIds: readonly string[];
  tokens: readonly string[];
  /** Namespaces whose entries are loaded too (those the change puts: a rotation's). */
  namespaceIds?: readonly string[];
}

export interface StoreCommitWrite {
  put: StoredStoreRecord[];
  remove: Array<{ kind: StoreKind; id: string }>;
  /** Tombstones to raise (token → version of the entry removed there). */
  tombstones: Array<{ token: string; version: number }>;
  events: NewEvent[];
}

type Db = Kysely<Database> | Transaction<Database>;
const CHUNK = 200;

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) out.push(items.slice(i, i + CHUNK));
  return out;
}

function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return (
    code === '23505' ||
    code === 'SQLITE_CONSTRAINT_PRIMARYKEY' ||
    code === 'SQLITE_CONSTRAINT_UNIQUE'
  );
}

function fromRow(row: Selectable<StoreRecordsTable>): StoredStoreRecord {
  return {
    kind: row.kind as StoreKind,
    id: row.id,
    token: row.token,
    refId: row.ref_id,
    expiresAt: row.expires_at === null ? null : Number(row.expires_at),
    hash: row.hash,
    record: row.record,
  };
}

const conflict = (message: string) => new BackboneError('STORE_CONFLICT', message);

export class StoreQueries {
  constructor(
    private readonly backend: StorageBackend,
    private readonly db: Kysely<Database>,
    private readonly workspaces: WorkspaceQueries,
  ) {}

  private async structure(trx: Db, workspaceId: string) {
    const rows = await trx
      .selectFrom('store_records')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .where('kind', 'in', ['namespace', 'grant'])
      .orderBy('kind')
      .orderBy('id')
      .execute();
    const records = rows.map(fromRow);
    return {
      namespaces: records.filter((r) => r.kind === 'namespace'),
      grants: records.filter((r) => r.kind === 'grant'),
    };
  }

  private async tombstonesOf(
    trx: Db,
    workspaceId: string,
    tokens: readonly string[],
  ): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    for (const part of chunks([...new Set(tokens)])) {
      const rows = await trx
        .selectFrom('store_tombstones')
        .select(['token', 'version'])
        .where('workspace_id', '=', workspaceId)
        .where('token', 'in', part)
        .execute();
      for (const row of rows) out.set(row.token, Number(row.version));
    }
    return out;
  }

  private async entriesWhere(
    trx: Db,
    workspaceId: string,
    column: 'id' | 'token' | 'ref_id',
    values: readonly string[],
    now: number | null,
  ): Promise<StoredStoreRecord[]> {
    const out: StoredStoreRecord[] = [];
    for (const part of chunks([...new Set(values)])) {
      let query = trx
        .selectFrom('store_records')
        .selectAll()
        .where('workspace_id', '=', workspaceId)
        .where('kind', '=', 'entry')
        .where(column, 'in', part);
      if (now !== null) {
        query = query.where((eb) =>
          eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]),
        );
      }
      out.push(...(await query.execute()).map(fromRow));
    }
    return out;
  }

  async getStoreRecords(
    workspaceId: string,
    options: { entries: StoreEntrySelector; after?: string; limit: number; now: number },
  ): Promise<StoreRecordsPage> {
    // One read transaction (PostgreSQL: REPEATABLE READ, one snapshot for every statement;
    // SQLite: the connection is held, so no commit lands between the statements): without it a
    // rotation committed between the structure and the entries query gave a page whose entries
    // are sealed to another key generation than its namespaces, and every such entry was refused.
    const read =
      this.backend === 'postgres'
        ? this.db.transaction().setIsolationLevel('repeatable read')
        : this.db.transaction();
    return read.execute((trx) => this.#storeRecordsPage(trx, workspaceId, options));
  }

  async #storeRecordsPage(
    trx: Db,
    workspaceId: string,
    options: { entries: StoreEntrySelector; after?: string; limit: number; now: number },
  ): Promise<StoreRecordsPage> {
    const first = options.after === undefined;
    const { namespaces, grants } = first
      ? await this.structure(trx, workspaceId)
      : { namespaces: [], grants: [] };
    const sel = options.entries;
    let entries: StoredStoreRecord[] = [];
    let tombstones = new Map<string, number>();
    let next: string | null = null;
    if ('tokens' in sel) {
      entries = await this.entriesWhere(trx, workspaceId, 'token', sel.tokens, options.now);
      tombstones = await this.tombstonesOf(trx, workspaceId, sel.tokens);
    } else if ('ids' in sel) {
      entries = await this.entriesWhere(trx, workspaceId, 'id', sel.ids, options.now);
    } else if ('namespaces' in sel || 'all' in sel) {
      let query = trx
        .selectFrom('store_records')
        .selectAll()
        .where('workspace_id', '=', workspaceId)
        .where('kind', '=', 'entry')
        .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', options.now)]));
      if ('namespaces' in sel) {
        if (sel.namespaces.length === 0) return { namespaces, grants, entries, tombstones, next };
        query = query.where('ref_id', 'in', [...sel.namespaces]);
      }
      if (options.after !== undefined) query = query.where('id', '>', options.after);
      const rows = await query
        .orderBy('id')
        .limit(options.limit + 1)
        .execute();
      entries = rows.slice(0, options.limit).map(fromRow);
      if (rows.length > options.limit) next = entries[entries.length - 1]!.id;
    }
    return { namespaces, grants, entries, tombstones, next };
  }

  async commitStore(
    workspaceId: string,
    expectedHead: { seq: number; hash: string },
    load: StoreCommitLoad,
    decide: (state: StoreCommitState) => StoreCommitWrite,
    now: number,
  ): Promise<{ revision: number; events: EventRecord[] }> {
    try {
      return await this.db.transaction().execute(async (trx) => {
        const revision = await this.bumpRevision(trx, workspaceId);
        let head = trx
          .selectFrom('workspaces')
          .select(['head_seq', 'head_hash', 'deleted_at'])
          .where('id', '=', workspaceId);
        if (this.backend === 'postgres') head = head.forShare();
        const ws = await head.executeTakeFirst();
        if (!ws || ws.deleted_at !== null) {
          throw new BackboneError('NOT_FOUND', 'There is no such workspace on this server.');
        }
        if (Number(ws.head_seq) !== expectedHead.seq || ws.head_hash !== expectedHead.hash) {
          throw conflict('The membership changed while this change was checked. Retry.');
        }
        const { namespaces, grants } = await this.structure(trx, workspaceId);
        const targeted = grants.map((g) => g.refId).filter((x): x is string => x !== null);
        const entries = await this.entriesWhere(
          trx,
          workspaceId,
          'id',
          [...load.entryIds, ...targeted],
          null,
        );
        const ids = new Set(entries.map((e) => e.id));
        for (const e of await this.entriesWhere(
          trx,
          workspaceId,
          'ref_id',
          load.namespaceIds ?? [],
          now,
        )) {
          if (!ids.has(e.id)) entries.push(e);
        }
        const tombstones = await this.tombstonesOf(trx, workspaceId, load.tokens);
        const write = decide({ revision, namespaces, grants, entries, tombstones });
        await this.applyWrite(trx, workspaceId, write, now);
        const events = await this.workspaces.insertEvents(trx, write.events, now);
        return { revision, events };
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw conflict('Something already exists at this path.');
      throw error;
    }
  }

  private async bumpRevision(trx: Db, workspaceId: string): Promise<number> {
    await trx
      .insertInto('store_heads')
      .values({ workspace_id: workspaceId, revision: 1 })
      .onConflict((oc) =>
        oc.column('workspace_id').doUpdateSet((eb) => ({
          revision: eb('store_heads.revision', '+', 1),
        })),
      )
      .execute();
    const row = await trx
      .selectFrom('store_heads')
      .select('revision')
      .where('workspace_id', '=', workspaceId)
      .executeTakeFirstOrThrow();
    return Number(row.revision);
  }

  private async applyWrite(
    trx: Db,
    workspaceId: string,
    write: StoreCommitWrite,
    now: number,
  ): Promise<void> {
    const gone = [...write.remove, ...write.put.map((r) => ({ kind: r.kind, id: r.id }))];
    for (const kind of ['namespace', 'grant', 'entry'] as const) {
      const ids = gone.filter((r) => r.kind === kind).map((r) => r.id);
      for (const part of chunks(ids)) {
        await trx
          .deleteFrom('store_records')
          .where('workspace_id', '=', workspaceId)
          .where('kind', '=', kind)
          .where('id', 'in', part)
          .execute();
      }
    }
    for (const part of chunks(write.put)) {
      await trx
        .insertInto('store_records')
        .values(
          part.map((r) => ({
            workspace_id: workspaceId,
            kind: r.kind,
            id: r.id,
            token: r.token,
            ref_id: r.refId,
            expires_at: r.expiresAt,
            hash: r.hash,
            record: r.record,
            updated_at: now,
          })),
        )
        .execute();
    }
    if (write.tombstones.length > 0) {
      const existing = await this.tombstonesOf(
        trx,
        workspaceId,
        write.tombstones.map((t) => t.token),
      );
      for (const t of write.tombstones) {
        const before = existing.get(t.token);
        if (before !== undefined && before >= t.version) continue;
        await trx
          .deleteFrom('store_tombstones')
          .where('workspace_id', '=', workspaceId)
          .where('token', '=', t.token)
          .execute();
        await trx
          .insertInto('store_tombstones')
          .values({ workspace_id: workspaceId, token: t.token, version: t.version })
          .execute();
        existing.set(t.token, t.version);
      }
    }
    // Nothing may refer to a removed record (entries of a removed namespace, grants on a
    // removed entry…): the change must move or remove them too.
    const removedIds = write.remove.map((r) => r.id);
    for (const part of chunks(removedIds)) {
      const dangling = await trx
        .selectFrom('store_records')
        .select('id')
        .where('workspace_id', '=', workspaceId)
        .where('ref_id', 'in', part)
        .executeTakeFirst();
      if (dangling) {
        throw new BackboneError(
          'STORE_INVALID_RECORD',
          'This change removes a record that other records still refer to.',
        );
      }
    }
  }

  /**
   * Deletes up to `limit` entries expired at `now` (and the grants on them), raising their
   * tombstones, one transaction per workspace; `makeEvents` gives each workspace's events.
   */
  async sweepExpiredStoreEntries(
    now: number,
    limit: number,
    makeEvents: (workspaceId: string, revision: number, ids: string[]) => NewEvent[],
  ): Promise<{ removed: number; events: EventRecord[] }> {
    const rows = await this.db
      .selectFrom('store_records')
      .select(['workspace_id', 'id'])
      .where('kind', '=', 'entry')
      .where('expires_at', '<=', now)
      .limit(limit)
      .execute();
    const byWorkspace = new Map<string, string[]>();
    for (const row of rows) {
      const list = byWorkspace.get(row.workspace_id) ?? [];
      list.push(row.id);
      byWorkspace.set(row.workspace_id, list);
    }
    let removed = 0;
    const events: EventRecord[] = [];
    for (const [workspaceId, ids] of byWorkspace) {
      const recorded = await this.db.transaction().execute(async (trx) => {
        const revision = await this.bumpRevision(trx, workspaceId);
        const expired = (await this.entriesWhere(trx, workspaceId, 'id', ids, null)).filter(
          (e) => e.expiresAt !== null && e.expiresAt <= now,
        );
        if (expired.length === 0) return [];
        const grants = [];
        for (const part of chunks(expired.map((e) => e.id))) {
          grants.push(
            ...(await trx
              .selectFrom('store_records')
              .select('id')
              .where('workspace_id', '=', workspaceId)
              .where('kind', '=', 'grant')
              .where('ref_id', 'in', part)
              .execute()),
          );
        }
        const tombstones = expired.map((e) => ({
          token: e.token ?? '',
          version: (JSON.parse(e.record) as { version: number }).version,
        }));
        await this.applyWrite(
          trx,
          workspaceId,
          {
            put: [],
            remove: [
              ...grants.map((g) => ({ kind: 'grant' as const, id: g.id })),
              ...expired.map((e) => ({ kind: 'entry' as const, id: e.id })),
            ],
            tombstones: tombstones.filter((t) => t.token !== ''),
            events: [],
          },
          now,
        );
        removed += expired.length;
        return this.workspaces.insertEvents(
          trx,
          makeEvents(workspaceId, revision, [
            ...expired.map((e) => `entry:${e.id}`),
            ...grants.map((g) => `grant:${g.id}`),
          ]),
          now,
        );
      });
      events.push(...recorded);
    }
    return { removed, events };
  }
}
