/**
 * The one query layer: every storage operation, written once with Kysely, for both SQLite and
 * PostgreSQL. Backend files only build the Kysely instance (dialect, pool, pragmas).
 */
import { sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import { BackboneError } from '../../src-shared/errors.js';
import type { Database, DevicesTable, IdentitiesTable, TokensTable } from './schema.js';
import type {
  ChallengeRecord,
  DeviceRecord,
  IdentityRecord,
  Storage,
  StorageBackend,
  TokenLookup,
  TokenRecord,
} from './storage.js';

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

const identityExists = () =>
  new BackboneError('IDENTITY_EXISTS', 'This identity is already registered on this server.');
const deviceExists = () =>
  new BackboneError('DEVICE_EXISTS', 'This device key is already registered on this server.');

export class KyselyStorage implements Storage {
  constructor(
    readonly backend: StorageBackend,
    private readonly db: Kysely<Database>,
    private readonly onClose: () => Promise<void> = () => Promise.resolve(),
  ) {}

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
