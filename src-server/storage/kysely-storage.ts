/**
 * The one query layer: every storage operation, written once with Kysely, for both SQLite and
 * PostgreSQL. Backend files only build the Kysely instance (dialect, pool, pragmas).
 */
import { sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import { BackboneError } from '../../src-shared/errors.js';
import type {
  Database,
  DevicesTable,
  IdentitiesTable,
  PasswordAccessAttemptsTable,
  TokensTable,
} from './schema.js';
import type {
  ChallengeRecord,
  DeviceRecord,
  IdentityRecord,
  PasswordAccessRow,
  PasswordAttemptRow,
  Storage,
  StorageBackend,
  TokenLookup,
  TokenRecord,
} from './storage.js';
import { StoreQueries } from './store-storage.js';
import { WorkspaceQueries, listenPostgresEvents } from './workspaces-storage.js';

/** True for a UNIQUE / PRIMARY KEY violation from either driver. */
export function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return (
    code === '23505' ||
    code === 'SQLITE_CONSTRAINT_PRIMARYKEY' ||
    code === 'SQLITE_CONSTRAINT_UNIQUE'
  );
}

function identityFromRow(row: Selectable<IdentitiesTable>): IdentityRecord {
  return {
    id: row.id,
    signPublicKey: row.sign_public_key,
    boxPublicKey: row.box_public_key,
    displayName: row.display_name,
    profile: row.profile,
    createdAt: Number(row.created_at),
  };
}

function deviceFromRow(row: Selectable<DevicesTable>): DeviceRecord {
  return {
    id: row.id,
    identityId: row.identity_id,
    name: row.name,
    platform: row.platform,
    certificate: row.certificate,
    createdAt: Number(row.created_at),
    revokedAt: row.revoked_at === null ? null : Number(row.revoked_at),
    revocation: row.revocation,
  };
}

function deviceToRow(device: DeviceRecord): Selectable<DevicesTable> {
  return {
    id: device.id,
    identity_id: device.identityId,
    name: device.name,
    platform: device.platform,
    certificate: device.certificate,
    created_at: device.createdAt,
    revoked_at: device.revokedAt,
    revocation: device.revocation,
  };
}

function parseScopes(text: string): string[] {
  const value: unknown = JSON.parse(text);
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
    throw new BackboneError('INTERNAL', 'A stored token has damaged scopes.');
  }
  return value;
}

function tokenFromRow(row: Selectable<TokensTable>): TokenRecord {
  return {
    id: row.id,
    tokenHash: row.token_hash,
    identityId: row.identity_id,
    deviceId: row.device_id,
    parentId: row.parent_id,
    scopes: parseScopes(row.scopes),
    workspaceId: row.workspace_id,
    label: row.label,
    createdAt: Number(row.created_at),
    expiresAt: Number(row.expires_at),
    revokedAt: row.revoked_at === null ? null : Number(row.revoked_at),
  };
}

function attemptFromRow(row: Selectable<PasswordAccessAttemptsTable>): PasswordAttemptRow {
  return {
    failures: Number(row.failures),
    lastAttemptAt: Number(row.last_attempt_at),
    lockedUntil: Number(row.locked_until),
    lockouts: Number(row.lockouts),
    forgetAt: Number(row.forget_at),
  };
}

const identityExists = () =>
  new BackboneError('IDENTITY_EXISTS', 'This identity is already registered on this server.');
const deviceExists = () =>
  new BackboneError('DEVICE_EXISTS', 'This device key is already registered on this server.');

export class KyselyStorage implements Storage {
  constructor(
    readonly backend: StorageBackend,
    private readonly db: Kysely<Database>,
    private readonly onClose: () => Promise<void> = () => Promise.resolve(),
    /** PostgreSQL: the URL, for the LISTEN connection of the event channel. */
    options: { postgresUrl?: string } = {},
  ) {
    this.workspaces = new WorkspaceQueries(backend, db);
    this.store = new StoreQueries(backend, db, this.workspaces);
    const url = options.postgresUrl;
    if (url !== undefined) {
      this.listenForEvents = (listener, onError) => listenPostgresEvents(url, listener, onError);
    }
  }

  // --- workspaces, membership logs, events (workspaces-storage.ts) ---
  private readonly workspaces: WorkspaceQueries;
  // --- encrypted store (store-storage.ts) ---
  private readonly store: StoreQueries;
  getStoreRecords: Storage['getStoreRecords'] = (...a) => this.store.getStoreRecords(...a);
  commitStore: Storage['commitStore'] = (...a) => this.store.commitStore(...a);
  sweepExpiredStoreEntries: Storage['sweepExpiredStoreEntries'] = (...a) =>
    this.store.sweepExpiredStoreEntries(...a);
  readonly listenForEvents?: Storage['listenForEvents'];
  createWorkspace: Storage['createWorkspace'] = (...a) => this.workspaces.createWorkspace(...a);
  getWorkspace: Storage['getWorkspace'] = (...a) => this.workspaces.getWorkspace(...a);
  listMemberWorkspaces: Storage['listMemberWorkspaces'] = (...a) =>
    this.workspaces.listMemberWorkspaces(...a);
  getWorkspaceMember: Storage['getWorkspaceMember'] = (...a) =>
    this.workspaces.getWorkspaceMember(...a);
  getMembershipLog: Storage['getMembershipLog'] = (...a) => this.workspaces.getMembershipLog(...a);
  appendMembershipEntries: Storage['appendMembershipEntries'] = (...a) =>
    this.workspaces.appendMembershipEntries(...a);
  deleteWorkspace: Storage['deleteWorkspace'] = (...a) => this.workspaces.deleteWorkspace(...a);
  latestEventId: Storage['latestEventId'] = () => this.workspaces.latestEventId();
  oldestEventId: Storage['oldestEventId'] = () => this.workspaces.oldestEventId();
  pruneEvents: Storage['pruneEvents'] = (...a) => this.workspaces.pruneEvents(...a);
  listEventsAfter: Storage['listEventsAfter'] = (...a) => this.workspaces.listEventsAfter(...a);
  listVisibleEvents: Storage['listVisibleEvents'] = (...a) =>
    this.workspaces.listVisibleEvents(...a);
  listWorkspaceMemberIds: Storage['listWorkspaceMemberIds'] = (...a) =>
    this.workspaces.listWorkspaceMemberIds(...a);
  listEventRecipients: Storage['listEventRecipients'] = (...a) =>
    this.workspaces.listEventRecipients(...a);

  private closed = false;

  async ping(): Promise<void> {
    await sql`select 1`.execute(this.db);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.db.destroy();
    await this.onClose();
  }

  async getMeta(key: string): Promise<string | undefined> {
    const row = await this.db
      .selectFrom('server_meta')
      .select('value')
      .where('key', '=', key)
      .executeTakeFirst();
    return row?.value;
  }

  async putMetaIfAbsent(key: string, value: string): Promise<string> {
    await this.db
      .insertInto('server_meta')
      .values({ key, value })
      .onConflict((oc) => oc.column('key').doNothing())
      .execute();
    const stored = await this.getMeta(key);
    if (stored === undefined) throw new BackboneError('INTERNAL', 'A server setting was lost.');
    return stored;
  }

  async createIdentity(identity: IdentityRecord, firstDevice: DeviceRecord): Promise<void> {
    try {
      await this.db.transaction().execute(async (trx) => {
        const existing = await trx
          .selectFrom('identities')
          .select('id')
          .where((eb) =>
            eb.or([eb('id', '=', identity.id), eb('sign_public_key', '=', identity.signPublicKey)]),
          )
          .executeTakeFirst();
        if (existing) throw identityExists();
        await this.requireNewDevice(trx, firstDevice.id);
        await trx
          .insertInto('identities')
          .values({
            id: identity.id,
            sign_public_key: identity.signPublicKey,
            box_public_key: identity.boxPublicKey,
            display_name: identity.displayName,
            profile: identity.profile,
            created_at: identity.createdAt,
          })
          .execute();
        await trx.insertInto('devices').values(deviceToRow(firstDevice)).execute();
      });
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      // A concurrent registration won the race: say which part collided.
      throw (await this.getIdentity(identity.id)) ? identityExists() : deviceExists();
    }
  }

  private async requireNewDevice(trx: Transaction<Database>, id: string): Promise<void> {
    const existing = await trx
      .selectFrom('devices')
      .select('id')
      .where('id', '=', id)
      .executeTakeFirst();
    if (existing) throw deviceExists();
  }

  async getIdentity(id: string): Promise<IdentityRecord | undefined> {
    const row = await this.db
      .selectFrom('identities')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row ? identityFromRow(row) : undefined;
  }

  async addDevice(device: DeviceRecord): Promise<void> {
    try {
      await this.db.transaction().execute(async (trx) => {
        await this.requireNewDevice(trx, device.id);
        await trx.insertInto('devices').values(deviceToRow(device)).execute();
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw deviceExists();
      throw error;
    }
  }

  async getDevice(id: string): Promise<DeviceRecord | undefined> {
    const row = await this.db
      .selectFrom('devices')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row ? deviceFromRow(row) : undefined;
  }

  async listDevices(identityId: string): Promise<DeviceRecord[]> {
    const rows = await this.db
      .selectFrom('devices')
      .selectAll()
      .where('identity_id', '=', identityId)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map(deviceFromRow);
  }

  async revokeDevice(
    id: string,
    revokedAt: number,
    revocation: string,
  ): Promise<DeviceRecord | undefined> {
    return this.db.transaction().execute(async (trx) => {
      await trx
        .updateTable('devices')
        .set({ revoked_at: revokedAt, revocation })
        .where('id', '=', id)
        .where('revoked_at', 'is', null)
        .execute();
      await trx
        .updateTable('tokens')
        .set({ revoked_at: revokedAt })
        .where('device_id', '=', id)
        .where('revoked_at', 'is', null)
        .execute();
      const row = await trx
        .selectFrom('devices')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirst();
      return row ? deviceFromRow(row) : undefined;
    });
  }

  async createChallenge(challenge: ChallengeRecord): Promise<void> {
    await this.db
      .insertInto('auth_challenges')
      .values({
        id: challenge.id,
        nonce: challenge.nonce,
        created_at: challenge.createdAt,
        expires_at: challenge.expiresAt,
      })
      .execute();
  }

  async consumeChallenge(id: string): Promise<ChallengeRecord | undefined> {
    // DELETE … RETURNING is atomic in both backends: of two concurrent logins with the same
    // challenge, exactly one gets the row.
    const row = await this.db
      .deleteFrom('auth_challenges')
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
    if (!row) return undefined;
    return {
      id: row.id,
      nonce: row.nonce,
      createdAt: Number(row.created_at),
      expiresAt: Number(row.expires_at),
    };
  }

  async createToken(token: TokenRecord): Promise<void> {
    await this.db
      .insertInto('tokens')
      .values({
        id: token.id,
        token_hash: token.tokenHash,
        identity_id: token.identityId,
        device_id: token.deviceId,
        parent_id: token.parentId,
        scopes: JSON.stringify(token.scopes),
        workspace_id: token.workspaceId,
        label: token.label,
        created_at: token.createdAt,
        expires_at: token.expiresAt,
        revoked_at: token.revokedAt,
      })
      .execute();
  }

  async findTokenByHash(tokenHash: string): Promise<TokenLookup | undefined> {
    const row = await this.db
      .selectFrom('tokens')
      .innerJoin('devices', 'devices.id', 'tokens.device_id')
      .selectAll('tokens')
      .select('devices.revoked_at as device_revoked_at')
      .where('tokens.token_hash', '=', tokenHash)
      .executeTakeFirst();
    if (!row) return undefined;
    const { device_revoked_at, ...token } = row;
    return {
      ...tokenFromRow(token),
      deviceRevokedAt: device_revoked_at === null ? null : Number(device_revoked_at),
    };
  }

  async getToken(id: string): Promise<TokenRecord | undefined> {
    const row = await this.db
      .selectFrom('tokens')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row ? tokenFromRow(row) : undefined;
  }

  async listActiveTokens(identityId: string, now: number): Promise<TokenRecord[]> {
    const rows = await this.db
      .selectFrom('tokens')
      .selectAll()
      .where('identity_id', '=', identityId)
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', now)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map(tokenFromRow);
  }

  async countActiveTokens(identityId: string, now: number): Promise<number> {
    const row = await this.db
      .selectFrom('tokens')
      .select((eb) => eb.fn.countAll().as('count'))
      .where('identity_id', '=', identityId)
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', now)
      .executeTakeFirstOrThrow();
    return Number(row.count);
  }

  async revokeTokenTree(id: string, now: number): Promise<number> {
    return this.db.transaction().execute(async (trx) => {
      // Walk the derivation tree breadth first; trees are small (a token derives few others).
      const all: string[] = [];
      let level = [id];
      const seen = new Set<string>();
      while (level.length > 0) {
        const fresh = level.filter((tokenId) => !seen.has(tokenId));
        for (const tokenId of fresh) seen.add(tokenId);
        all.push(...fresh);
        if (fresh.length === 0) break;
        const children = await trx
          .selectFrom('tokens')
          .select('id')
          .where('parent_id', 'in', fresh)
          .execute();
        level = children.map((child) => child.id);
      }
      let revoked = 0;
      for (let i = 0; i < all.length; i += 500) {
        const result = await trx
          .updateTable('tokens')
          .set({ revoked_at: now })
          .where('id', 'in', all.slice(i, i + 500))
          .where('revoked_at', 'is', null)
          .executeTakeFirst();
        revoked += Number(result.numUpdatedRows);
      }
      return revoked;
    });
  }

  async getPasswordAccess(
    workspaceId: string,
    username: string,
  ): Promise<PasswordAccessRow | undefined> {
    const row = await this.db
      .selectFrom('password_access')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .where('username', '=', username)
      .executeTakeFirst();
    if (!row) return undefined;
    return {
      workspaceId: row.workspace_id,
      username: row.username,
      identityId: row.identity_id,
      storedData: row.stored_data,
      keyfileBlob: row.keyfile_blob,
      createdAt: Number(row.created_at),
      updatedAt: Number(row.updated_at),
    };
  }

  async putPasswordAccess(
    row: PasswordAccessRow,
    op: 'register' | 'change',
  ): Promise<'stored' | 'conflict'> {
    if (op === 'change') {
      const result = await this.db
        .updateTable('password_access')
        .set({
          stored_data: row.storedData,
          keyfile_blob: row.keyfileBlob,
          updated_at: row.updatedAt,
        })
        .where('workspace_id', '=', row.workspaceId)
        .where('username', '=', row.username)
        .where('identity_id', '=', row.identityId)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0 ? 'stored' : 'conflict';
    }
    // One statement: insert, or replace only a record bound to the same identity. Of two
    // concurrent registrations by different identities, exactly one gets the username.
    const result = await this.db
      .insertInto('password_access')
      .values({
        workspace_id: row.workspaceId,
        username: row.username,
        identity_id: row.identityId,
        stored_data: row.storedData,
        keyfile_blob: row.keyfileBlob,
        created_at: row.createdAt,
        updated_at: row.updatedAt,
      })
      .onConflict((oc) =>
        oc
          .columns(['workspace_id', 'username'])
          .doUpdateSet((eb) => ({
            stored_data: eb.ref('excluded.stored_data'),
            keyfile_blob: eb.ref('excluded.keyfile_blob'),
            updated_at: eb.ref('excluded.updated_at'),
          }))
          .where('password_access.identity_id', '=', row.identityId),
      )
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0 ? 'stored' : 'conflict';
  }

  async updatePasswordAttempts<T>(
    workspaceId: string,
    username: string,
    update: (current: PasswordAttemptRow | undefined) => {
      next: PasswordAttemptRow | undefined;
      result: T;
    },
  ): Promise<T> {
    return this.db.transaction().execute(async (trx) => {
      // First statement: make sure the row exists (forget_at 0 = no state yet). SQLite thus
      // takes its write lock before reading (no read-then-upgrade race between processes);
      // PostgreSQL gets a row to lock even for a username never seen before.
      await trx
        .insertInto('password_access_attempts')
        .values({
          workspace_id: workspaceId,
          username,
          failures: 0,
          last_attempt_at: 0,
          locked_until: 0,
          lockouts: 0,
          forget_at: 0,
        })
        .onConflict((oc) => oc.columns(['workspace_id', 'username']).doNothing())
        .execute();
      let query = trx
        .selectFrom('password_access_attempts')
        .selectAll()
        .where('workspace_id', '=', workspaceId)
        .where('username', '=', username);
      if (this.backend === 'postgres') query = query.forUpdate();
      const row = await query.executeTakeFirst();
      const current = row && Number(row.forget_at) !== 0 ? attemptFromRow(row) : undefined;
      const { next, result } = update(current);
      if (next === undefined) {
        await trx
          .deleteFrom('password_access_attempts')
          .where('workspace_id', '=', workspaceId)
          .where('username', '=', username)
          .execute();
      } else {
        const values = {
          failures: next.failures,
          last_attempt_at: next.lastAttemptAt,
          locked_until: next.lockedUntil,
          lockouts: next.lockouts,
          forget_at: Math.max(1, next.forgetAt),
        };
        // An upsert: the row may have been deleted (a success, a sweep) between our insert and
        // the read on PostgreSQL's read-committed level; the state must not be lost then.
        await trx
          .insertInto('password_access_attempts')
          .values({ workspace_id: workspaceId, username, ...values })
          .onConflict((oc) => oc.columns(['workspace_id', 'username']).doUpdateSet(values))
          .execute();
      }
      return result;
    });
  }

  async getPasswordAttempts(
    workspaceId: string,
    username: string,
  ): Promise<PasswordAttemptRow | undefined> {
    const row = await this.db
      .selectFrom('password_access_attempts')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .where('username', '=', username)
      .executeTakeFirst();
    return row && Number(row.forget_at) !== 0 ? attemptFromRow(row) : undefined;
  }

  async clearPasswordAttempts(workspaceId: string, username: string): Promise<void> {
    await this.db
      .deleteFrom('password_access_attempts')
      .where('workspace_id', '=', workspaceId)
      .where('username', '=', username)
      .execute();
  }

  async deleteForgottenPasswordAttempts(now: number): Promise<number> {
    const result = await this.db
      .deleteFrom('password_access_attempts')
      .where('forget_at', '<=', now)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async deleteExpired(
    now: number,
    tokensBefore: number,
  ): Promise<{ challenges: number; tokens: number }> {
    const challenges = await this.db
      .deleteFrom('auth_challenges')
      .where('expires_at', '<=', now)
      .executeTakeFirst();
    const tokens = await this.db
      .deleteFrom('tokens')
      .where((eb) =>
        eb.or([eb('expires_at', '<', tokensBefore), eb('revoked_at', '<', tokensBefore)]),
      )
      .executeTakeFirst();
    return {
      challenges: Number(challenges.numDeletedRows),
      tokens: Number(tokens.numDeletedRows),
    };
  }
}
