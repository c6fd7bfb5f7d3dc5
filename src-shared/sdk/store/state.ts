/**
 * The state every store operation starts from: the verified membership state
 * (`client.workspace.state()`: the pinned, verified log — never a bare server answer), this
 * identity's keys, the naming key opened from the log, and the rollback memory.
 *
 * Rollback memory: a `SeenVersions` per workspace, loaded from and saved to the client store
 * sealed under this identity's key (`seen-file.ts`; `ClientStore.getStoreSeen/updateStoreSeen`).
 * Every attempt works on a copy, adopted only when the operation succeeds, so a failed commit
 * never records versions that do not exist; saving merges with what another process saved.
 */
import { sodium, type SymmetricKey } from '../../crypto/index.js';
import { BackboneError } from '../../errors.js';
import { SeenVersions, type StoreContext } from '../../store/index.js';
import { memberBySignKey, type MembershipState } from '../../workspace/membership-log.js';
import { memberNamingKey, wipeNamingKey } from '../../workspace/naming-key.js';
import type { ClientContext } from '../client-context.js';
import { deriveSeenKey, loadSeen, saveSeen, type SeenOwner } from '../seen-file.js';
import type { WorkspaceApi } from '../workspaces.js';

/** One attempt's context; `done(ok)` wipes the naming key and, if ok, keeps what it saw. */
export interface AttemptContext {
  ctx: StoreContext;
  state: MembershipState;
  done(ok: boolean): Promise<void>;
}

export class StoreState {
  readonly #seen = new Map<string, SeenVersions>();

  constructor(
    private readonly client: ClientContext,
    private readonly workspaces: WorkspaceApi,
  ) {}

  /** The context for one attempt: verified state, own keys, naming key, a copy of `seen`. */
  async context(workspaceId: string): Promise<AttemptContext> {
    const state = await this.workspaces.state({ workspaceId });
    const keys = await this.client.keys();
    const me = memberBySignKey(state, keys.identity.signKeyPair.publicKey);
    if (!me) {
      throw new BackboneError(
        'STORE_FORBIDDEN',
        'You are not a member of this workspace (per its verified membership log).',
      );
    }
    const { key: namingKey } = memberNamingKey(state, me.name, keys.identity.boxKeyPair);
    const server = await this.client.server();
    const saved = await this.#loadSeen(server.serverId, workspaceId);
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
        if (await this.workspaces.isConfirmed(workspaceId)) {
          await this.#saveSeen(server.serverId, workspaceId, seen);
        } else {
          this.#seen.set(`${server.serverId}/${workspaceId}`, seen);
        }
      },
    };
  }

  /** Runs `task` with this identity's key for the saved rollback memory (wiped after). */
  async #withSeenKey<T>(
    serverId: string,
    workspaceId: string,
    task: (key: SymmetricKey, owner: SeenOwner) => Promise<T>,
  ): Promise<T> {
    const keys = await this.client.keys();
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
      loadSeen(this.client.store, sealKey, owner),
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
      saveSeen(this.client.store, sealKey, owner, seen),
    );
    this.#seen.set(key, merged);
  }
}
