/**
 * What the SDK remembers between runs, behind a small interface so the core client needs no
 * Node API: the pinned server keys (trust on first use, then refused if they change), the
 * pinned workspace genesis hash and the highest verified membership-log head (fork and rollback
 * detection, docs/membership.md §3), bearer tokens, and the store's sealed rollback memory.
 *
 * `MemoryClientStore` keeps everything in memory (tests, short-lived scripts). The CLI's
 * implementation (`src-shared/node/profile.ts`) keeps it in the profile directory.
 */
import type { Keyfile } from '../crypto/index.js';
import type { LogHead } from '../workspace/membership-log.js';

/**
 * Where a keyfile lives (a file in a profile directory, an app's storage…). The client reads it
 * only when it needs the private keys.
 */
export interface KeyfileLocation {
  /** The keyfile (object or its JSON text). */
  read(): Promise<Keyfile | string>;
  /** Replaces it (atomically), e.g. after a password change. */
  write?(keyfile: Keyfile): Promise<void>;
}

export function isKeyfileLocation(value: unknown): value is KeyfileLocation {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { read?: unknown }).read === 'function'
  );
}

/** A server's identity as first seen (`GET /v1/server`). */
export interface ServerPin {
  /** Normalized base URL. */
  url: string;
  /** Server id (`bbs1…`), the login audience. */
  serverId: string;
  /** Static X25519 public key, base64url (password-access records are sealed to it). */
  boxPublicKey: string;
  /** Static Ed25519 public key, base64url. */
  signPublicKey: string;
}

/** What a client pinned about one workspace. */
export interface WorkspacePin {
  /** Genesis hash (the workspace fingerprint in hash form). */
  genesisHash: string;
  /** The highest membership-log head this client verified. Never lowered. */
  head: LogHead;
}

/** A bearer token as the client keeps it. */
export interface StoredToken {
  token: string;
  tokenId: string;
  expiresAt: string;
  scopes: string[];
  workspaceId: string | null;
}

export interface ClientStore {
  getServerPin(url: string): Promise<ServerPin | undefined>;
  setServerPin(pin: ServerPin): Promise<void>;
  getWorkspacePin(serverId: string, workspaceId: string): Promise<WorkspacePin | undefined>;
  setWorkspacePin(serverId: string, workspaceId: string, pin: WorkspacePin): Promise<void>;
  deleteWorkspacePin(serverId: string, workspaceId: string): Promise<void>;
  /** Tokens are kept per server and identity address. */
  getToken(serverId: string, identity: string): Promise<StoredToken | undefined>;
  setToken(serverId: string, identity: string, token: StoredToken): Promise<void>;
  deleteToken(serverId: string, identity: string): Promise<void>;
  /**
   * The encrypted store's rollback memory per workspace, sealed by the SDK (`sdk/seen-file.ts`;
   * the store keeps opaque strings). Optional (both or neither): without them the SDK remembers
   * versions only while it runs. `getStoreSeen` returns the saved value as stored: a sealed
   * string, an old plaintext `SeenVersions` snapshot (v1, migrated by the SDK), or undefined.
   */
  getStoreSeen?(serverId: string, workspaceId: string): Promise<unknown>;
  /**
   * Read-merge-write of one workspace's value, atomic across every process that shares the
   * store (the profile: a file lock): `update.merge` gets the value saved now and returns the
   * new one, so a process never overwrites what another saved meanwhile with less.
   */
  updateStoreSeen?(serverId: string, workspaceId: string, update: StoreSeenUpdate): Promise<void>;
}

/** How the SDK changes a saved rollback memory (called while the store holds its lock). */
export interface StoreSeenUpdate {
  /** The new value of this workspace from the saved one (undefined when there is none). */
  merge(current: unknown): string;
  /**
   * Seals an old plaintext value of another workspace found in the same place (migrating a v1
   * file at once, so no plaintext path stays behind).
   */
  migrate(serverId: string, workspaceId: string, legacy: unknown): string;
}

/** Everything in memory. */
export class MemoryClientStore implements ClientStore {
  readonly servers = new Map<string, ServerPin>();
  readonly workspaces = new Map<string, WorkspacePin>();
  readonly tokens = new Map<string, StoredToken>();

  async getServerPin(url: string): Promise<ServerPin | undefined> {
    const pin = this.servers.get(url);
    return pin && { ...pin };
  }
  async setServerPin(pin: ServerPin): Promise<void> {
    this.servers.set(pin.url, { ...pin });
  }
  async getWorkspacePin(serverId: string, workspaceId: string): Promise<WorkspacePin | undefined> {
    const pin = this.workspaces.get(`${serverId}/${workspaceId}`);
    return pin && { genesisHash: pin.genesisHash, head: { ...pin.head } };
  }
  async setWorkspacePin(serverId: string, workspaceId: string, pin: WorkspacePin): Promise<void> {
    this.workspaces.set(`${serverId}/${workspaceId}`, {
      genesisHash: pin.genesisHash,
      head: { ...pin.head },
    });
  }
  async deleteWorkspacePin(serverId: string, workspaceId: string): Promise<void> {
    this.workspaces.delete(`${serverId}/${workspaceId}`);
  }
  async getToken(serverId: string, identity: string): Promise<StoredToken | undefined> {
    const token = this.tokens.get(`${serverId}/${identity}`);
    return token && { ...token, scopes: [...token.scopes] };
  }
  async setToken(serverId: string, identity: string, token: StoredToken): Promise<void> {
    this.tokens.set(`${serverId}/${identity}`, { ...token, scopes: [...token.scopes] });
  }
  async deleteToken(serverId: string, identity: string): Promise<void> {
    this.tokens.delete(`${serverId}/${identity}`);
  }
  readonly storeSeen = new Map<string, string>();
  async getStoreSeen(serverId: string, workspaceId: string): Promise<unknown> {
    return this.storeSeen.get(`${serverId}/${workspaceId}`);
  }
  async updateStoreSeen(
    serverId: string,
    workspaceId: string,
    update: StoreSeenUpdate,
  ): Promise<void> {
    // One process, and `merge` is synchronous: nothing can run between the read and the write.
    const key = `${serverId}/${workspaceId}`;
    this.storeSeen.set(key, update.merge(this.storeSeen.get(key)));
  }
}
