/**
 * Workspace, membership log and event queries (written once with Kysely for both backends);
 * `KyselyStorage` delegates to these.
 *
 * Atomicity:
 *  - An append is one transaction: `UPDATE workspaces SET head … WHERE head = expected` (the
 *    compare-and-swap: of two appends on the same head exactly one updates a row; in PostgreSQL
 *    the second waits for the first's row lock, re-reads and matches nothing), then the entries
 *    (primary key (workspace, seq) as a backstop), the members and the events.
 *  - Event ids must become visible in increasing order, or a reader that saw id 7 could later
 *    miss id 6 committed after it. SQLite has one writer at a time, so that holds. PostgreSQL
 *    hands out sequence values in call order, not commit order, so every transaction that
 *    records events first takes one transaction-scoped advisory lock (held until commit): ids
 *    are then assigned and committed one writer after the other. The same transaction sends
 *    `NOTIFY backbone_events, '<last id>'`, delivered to listeners only if it commits.
 */
import { sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import pg from 'pg';
import { BackboneError } from '../../src-shared/errors.js';
import type { Database, EventsTable, WorkspacesTable } from './schema.js';
import type {
  EventRecord,
  MembershipLogRecord,
  NewEvent,
  StorageBackend,
  WorkspaceMemberRecord,
  WorkspaceRecord,
} from './records.js';

/** PostgreSQL NOTIFY channel carrying new event cursors. */
export const EVENTS_CHANNEL = 'backbone_events';
/** Advisory lock key serializing event writers (ASCII "bbev"). */
const EVENTS_LOCK_KEY = 0x62626576;
/** Rows per multi-row insert. */
const CHUNK = 200;

type Db = Kysely<Database> | Transaction<Database>;

function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return (
    code === '23505' ||
    code === 'SQLITE_CONSTRAINT_PRIMARYKEY' ||
    code === 'SQLITE_CONSTRAINT_UNIQUE'
  );
}

const conflict = () =>
  new BackboneError(
    'MEMBERSHIP_CONFLICT',
    'The membership log changed since you read it. Fetch the new entries, check them and try again.',
  );
const notFound = () => new BackboneError('NOT_FOUND', 'There is no such workspace on this server.');

function workspaceFromRow(row: Selectable<WorkspacesTable>): WorkspaceRecord {
  return {
    id: row.id,
    displayName: row.display_name,
    genesisHash: row.genesis_hash,
    headSeq: Number(row.head_seq),
    headHash: row.head_hash,
    createdAt: Number(row.created_at),
    deletedAt: row.deleted_at === null ? null : Number(row.deleted_at),
  };
}

function eventFromRow(row: Selectable<EventsTable>): EventRecord {
  return {
    id: Number(row.id),
    workspaceId: row.workspace_id,
    type: row.type,
    payload: row.payload,
    createdAt: Number(row.created_at),
  };
}

function parsePermissions(text: string): string[] {
  const value: unknown = JSON.parse(text);
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
    throw new BackboneError('INTERNAL', 'A stored workspace member has damaged permissions.');
  }
  return value;
}

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) out.push(items.slice(i, i + CHUNK));
  return out;
}

export class WorkspaceQueries {
  constructor(
    private readonly backend: StorageBackend,
    private readonly db: Kysely<Database>,
  ) {}

  private async insertLog(
    trx: Db,
    workspaceId: string,
    entries: readonly MembershipLogRecord[],
  ): Promise<void> {
    for (const part of chunks(entries)) {
      await trx
        .insertInto('membership_log')
        .values(
          part.map((e) => ({
            workspace_id: workspaceId,
            seq: e.seq,
            entry: e.entry,
            entry_hash: e.hash,
          })),
        )
        .execute();
    }
  }

  private async replaceMembers(
    trx: Db,
    workspaceId: string,
    members: readonly WorkspaceMemberRecord[],
  ): Promise<void> {
    await trx.deleteFrom('workspace_members').where('workspace_id', '=', workspaceId).execute();
    for (const part of chunks(members)) {
      await trx
        .insertInto('workspace_members')
        .values(
          part.map((m) => ({
            workspace_id: workspaceId,
            identity_id: m.identityId,
            name: m.name,
            permissions: JSON.stringify(m.permissions),
          })),
        )
        .execute();
    }
  }

  /** Records events inside `trx` (see the file comment for the ordering lock and NOTIFY). */
  async insertEvents(trx: Db, events: readonly NewEvent[], now: number): Promise<EventRecord[]> {
    if (events.length === 0) return [];
    if (this.backend === 'postgres') {
      await sql`select pg_advisory_xact_lock(${EVENTS_LOCK_KEY})`.execute(trx);
    }
    const recorded: EventRecord[] = [];
    for (const event of events) {
      const row = await trx
        .insertInto('events')
        .values({
          workspace_id: event.workspaceId,
          type: event.type,
          payload: event.payload,
          created_at: now,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      const record = eventFromRow(row);
      recorded.push(record);
      const recipients = [...new Set(event.recipients ?? [])];
      for (const part of chunks(recipients)) {
        await trx
          .insertInto('event_recipients')
          .values(part.map((identityId) => ({ event_id: record.id, identity_id: identityId })))
          .execute();
      }
    }
    if (this.backend === 'postgres') {
      const last = recorded[recorded.length - 1]!.id;
      await sql`select pg_notify(${EVENTS_CHANNEL}, ${String(last)})`.execute(trx);
    }
    return recorded;
  }

  async createWorkspace(
    workspace: WorkspaceRecord,
    genesis: MembershipLogRecord,
    members: readonly WorkspaceMemberRecord[],
    events: readonly NewEvent[],
  ): Promise<EventRecord[]> {
    const exists = () =>
      new BackboneError(
        'WORKSPACE_EXISTS',
        'A workspace with this id exists or existed on this server. Create it with another id.',
      );
    try {
      return await this.db.transaction().execute(async (trx) => {
        const existing = await trx
          .selectFrom('workspaces')
          .select('id')
          .where('id', '=', workspace.id)
          .executeTakeFirst();
        if (existing) throw exists();
        await trx
          .insertInto('workspaces')
          .values({
            id: workspace.id,
            display_name: workspace.displayName,
            genesis_hash: workspace.genesisHash,
            head_seq: workspace.headSeq,
            head_hash: workspace.headHash,
            created_at: workspace.createdAt,
            deleted_at: null,
          })
          .execute();
        await this.insertLog(trx, workspace.id, [genesis]);
        await this.replaceMembers(trx, workspace.id, members);
        return this.insertEvents(trx, events, workspace.createdAt);
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw exists();
      throw error;
    }
  }

  async getWorkspace(id: string): Promise<WorkspaceRecord | undefined> {
    const row = await this.db
      .selectFrom('workspaces')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row ? workspaceFromRow(row) : undefined;
  }

  async listMemberWorkspaces(
    identityId: string,
  ): Promise<{ workspace: WorkspaceRecord; member: WorkspaceMemberRecord }[]> {
    const rows = await this.db
      .selectFrom('workspace_members as m')
      .innerJoin('workspaces as w', 'w.id', 'm.workspace_id')
      .selectAll('w')
      .select(['m.identity_id', 'm.name', 'm.permissions'])
      .where('m.identity_id', '=', identityId)
      .where('w.deleted_at', 'is', null)
      .orderBy('w.created_at')
      .orderBy('w.id')
      .execute();
    return rows.map((row) => ({
      workspace: workspaceFromRow(row),
      member: {
        identityId: row.identity_id,
        name: row.name,
        permissions: parsePermissions(row.permissions),
      },
    }));
  }

  async getWorkspaceMember(
    workspaceId: string,
    identityId: string,
  ): Promise<WorkspaceMemberRecord | undefined> {
    const row = await this.db
      .selectFrom('workspace_members')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .where('identity_id', '=', identityId)
      .executeTakeFirst();
    return row
      ? {
          identityId: row.identity_id,
          name: row.name,
          permissions: parsePermissions(row.permissions),
        }
      : undefined;
  }

  async getMembershipLog(
    workspaceId: string,
    fromSeq: number,
    limit: number,
  ): Promise<MembershipLogRecord[]> {
    const rows = await this.db
      .selectFrom('membership_log')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .where('seq', '>=', fromSeq)
      .orderBy('seq')
      .limit(limit)
      .execute();
    return rows.map((row) => ({ seq: Number(row.seq), entry: row.entry, hash: row.entry_hash }));
  }

  async appendMembershipEntries(
    workspaceId: string,
    expectedHead: { seq: number; hash: string },
    entries: readonly MembershipLogRecord[],
    members: readonly WorkspaceMemberRecord[],
    events: readonly NewEvent[],
    now: number,
  ): Promise<EventRecord[]> {
    const last = entries[entries.length - 1];
    if (!last) throw new BackboneError('INTERNAL', 'Nothing to append.');
    try {
      return await this.db.transaction().execute(async (trx) => {
        const updated = await trx
          .updateTable('workspaces')
          .set({ head_seq: last.seq, head_hash: last.hash })
          .where('id', '=', workspaceId)
          .where('head_seq', '=', expectedHead.seq)
          .where('head_hash', '=', expectedHead.hash)
          .where('deleted_at', 'is', null)
          .executeTakeFirst();
        if (Number(updated.numUpdatedRows) !== 1) {
          const current = await trx
            .selectFrom('workspaces')
            .select('deleted_at')
            .where('id', '=', workspaceId)
            .executeTakeFirst();
          throw !current || current.deleted_at !== null ? notFound() : conflict();
        }
        await this.insertLog(trx, workspaceId, entries);
        await this.replaceMembers(trx, workspaceId, members);
        await this.forgetFormerMembersPasswordAccess(trx, workspaceId);
        return this.insertEvents(trx, events, now);
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw conflict();
      throw error;
    }
  }

  /**
   * Password access of identities no longer members (removed in this change): their verifier and
   * keyfile blob go with them, and the name is free for whoever is added under it later.
   */
  private async forgetFormerMembersPasswordAccess(trx: Db, workspaceId: string): Promise<void> {
    await trx
      .deleteFrom('password_access')
      .where('workspace_id', '=', workspaceId)
      .where('identity_id', 'not in', (eb) =>
        eb
          .selectFrom('workspace_members')
          .select('identity_id')
          .where('workspace_id', '=', workspaceId),
      )
      .execute();
  }

  async deleteWorkspace(
    id: string,
    deletedAt: number,
    makeEvents: (formerMembers: string[]) => NewEvent[],
  ): Promise<EventRecord[] | undefined> {
    return this.db.transaction().execute(async (trx) => {
      const updated = await trx
        .updateTable('workspaces')
        .set({ deleted_at: deletedAt, display_name: '' })
        .where('id', '=', id)
        .where('deleted_at', 'is', null)
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) !== 1) return undefined;
      const members = await trx
        .selectFrom('workspace_members')
        .select('identity_id')
        .where('workspace_id', '=', id)
        .execute();
      await trx
        .deleteFrom('event_recipients')
        .where('event_id', 'in', (eb) =>
          eb.selectFrom('events').select('id').where('workspace_id', '=', id),
        )
        .execute();
      await trx.deleteFrom('events').where('workspace_id', '=', id).execute();
      await trx.deleteFrom('membership_log').where('workspace_id', '=', id).execute();
      await trx.deleteFrom('workspace_members').where('workspace_id', '=', id).execute();
      await trx.deleteFrom('store_records').where('workspace_id', '=', id).execute();
      await trx.deleteFrom('store_tombstones').where('workspace_id', '=', id).execute();
      await trx.deleteFrom('store_heads').where('workspace_id', '=', id).execute();
      await trx.deleteFrom('password_access').where('workspace_id', '=', id).execute();
      await trx.deleteFrom('password_access_attempts').where('workspace_id', '=', id).execute();
      return this.insertEvents(trx, makeEvents(members.map((m) => m.identity_id)), deletedAt);
    });
  }

  async latestEventId(): Promise<number> {
    const row = await this.db
      .selectFrom('events')
      .select((eb) => eb.fn.max('id').as('max'))
      .executeTakeFirst();
    return row?.max === null || row?.max === undefined ? 0 : Number(row.max);
  }

  async oldestEventId(): Promise<number> {
    const row = await this.db
      .selectFrom('events')
      .select((eb) => eb.fn.min('id').as('min'))
      .executeTakeFirst();
    return row?.min === null || row?.min === undefined ? 0 : Number(row.min);
  }

  /**
   * Deletes events recorded before `before` with their recipients, in one transaction, except
   * the newest event: `latestEventId` (the cursor of `ready`/`reset`, the hub's starting point)
   * must never go back, whatever the backend would do with ids after an empty table. In
   * PostgreSQL, ids are committed in order (the advisory lock of `insertEvents`), so no event
   * below the newest one read here can still be uncommitted.
   */
  async pruneEvents(before: number): Promise<number> {
    return this.db.transaction().execute(async (trx) => {
      const newest = await trx
        .selectFrom('events')
        .select((eb) => eb.fn.max('id').as('max'))
        .executeTakeFirst();
      if (newest?.max === null || newest?.max === undefined) return 0;
      const keepFrom = Number(newest.max);
      await trx
        .deleteFrom('event_recipients')
        .where('event_id', 'in', (eb) =>
          eb
            .selectFrom('events')
            .select('id')
            .where('created_at', '<', before)
            .where('id', '<', keepFrom),
        )
        .execute();
      const removed = await trx
        .deleteFrom('events')
        .where('created_at', '<', before)
        .where('id', '<', keepFrom)
        .executeTakeFirst();
      return Number(removed.numDeletedRows);
    });
  }

  async listEventsAfter(after: number, limit: number): Promise<EventRecord[]> {
    const rows = await this.db
      .selectFrom('events')
      .selectAll()
      .where('id', '>', after)
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map(eventFromRow);
  }

  async listVisibleEvents(
    identityId: string,
    after: number,
    workspaceIds: readonly string[] | null,
    limit: number,
  ): Promise<EventRecord[]> {
    if (workspaceIds !== null && workspaceIds.length === 0) return [];
    let query = this.db
      .selectFrom('events as e')
      .selectAll('e')
      .where('e.id', '>', after)
      .where((eb) =>
        eb.or([
          eb.exists(
            eb
              .selectFrom('workspace_members as m')
              .select('m.identity_id')
              .whereRef('m.workspace_id', '=', 'e.workspace_id')
              .where('m.identity_id', '=', identityId),
          ),
          eb.exists(
            eb
              .selectFrom('event_recipients as r')
              .select('r.identity_id')
              .whereRef('r.event_id', '=', 'e.id')
              .where('r.identity_id', '=', identityId),
          ),
        ]),
      );
    if (workspaceIds !== null) query = query.where('e.workspace_id', 'in', [...workspaceIds]);
    const rows = await query.orderBy('e.id').limit(limit).execute();
    return rows.map(eventFromRow);
  }

  async listWorkspaceMemberIds(workspaceIds: readonly string[]): Promise<Map<string, Set<string>>> {
    const result = new Map<string, Set<string>>();
    for (const id of workspaceIds) result.set(id, new Set());
    for (const part of chunks([...new Set(workspaceIds)])) {
      const rows = await this.db
        .selectFrom('workspace_members')
        .select(['workspace_id', 'identity_id'])
        .where('workspace_id', 'in', part)
        .execute();
      for (const row of rows) result.get(row.workspace_id)?.add(row.identity_id);
    }
    return result;
  }

  async listEventRecipients(eventIds: readonly number[]): Promise<Map<number, string[]>> {
    const result = new Map<number, string[]>();
    for (const part of chunks([...new Set(eventIds)])) {
      const rows = await this.db
        .selectFrom('event_recipients')
        .select(['event_id', 'identity_id'])
        .where('event_id', 'in', part)
        .execute();
      for (const row of rows) {
        const id = Number(row.event_id);
        const list = result.get(id) ?? [];
        list.push(row.identity_id);
        result.set(id, list);
      }
    }
    return result;
  }
}

/**
 * LISTEN on the events channel over a dedicated connection (PostgreSQL). Reconnects with
 * back-off after errors and then reports cursor 0 (events may have been missed meanwhile).
 */
export async function listenPostgresEvents(
  connectionString: string,
  listener: (cursor: number) => void,
  onError: (error: Error) => void,
): Promise<{ close(): Promise<void> }> {
  let closed = false;
  let client: pg.Client | undefined;
  let retry: NodeJS.Timeout | undefined;
  let delay = 250;

  const reconnectLater = (): void => {
    if (closed || retry) return;
    retry = setTimeout(() => {
      retry = undefined;
      connect().then(
        () => listener(0),
        (error: unknown) => {
          onError(error instanceof Error ? error : new Error(String(error)));
          delay = Math.min(delay * 2, 10_000);
          reconnectLater();
        },
      );
    }, delay);
    retry.unref();
  };

  const connect = async (): Promise<void> => {
    const next = new pg.Client({ connectionString, connectionTimeoutMillis: 10_000 });
    const lost = (): void => {
      if (client !== next) return;
      client = undefined;
      next.end().catch(() => undefined);
      reconnectLater();
    };
    next.on('notification', (message) => {
      if (message.channel !== EVENTS_CHANNEL) return;
      const cursor = Number(message.payload);
      if (Number.isSafeInteger(cursor) && cursor > 0) listener(cursor);
    });
    next.on('error', (error) => {
      onError(error);
      lost();
    });
    next.on('end', lost);
    try {
      await next.connect();
      await next.query(`LISTEN ${EVENTS_CHANNEL}`);
    } catch (error) {
      await next.end().catch(() => undefined);
      throw error;
    }
    if (closed) {
      await next.end().catch(() => undefined);
      return;
    }
    client = next;
    delay = 250;
  };

  await connect();
  return {
    async close() {
      closed = true;
      if (retry) clearTimeout(retry);
      const current = client;
      client = undefined;
      if (current) await current.end().catch(() => undefined);
    },
  };
}
