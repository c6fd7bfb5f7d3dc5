/**
 * Finishing pending revocations after an interrupted member removal (docs/membership.md §4
 * "Finishing a removal").
 *
 * `client.user.delete` commits the removal to the membership log, then revokes the former
 * member's store grants (key rotations). If the second part never ran (the remover crashed, the
 * server went down), the former member keeps grants whose keys are still current, and every
 * later write under those namespaces would be sealed to keys they hold. So every store operation
 * of an administrator (USER_MANAGE and STORE_SHARE; ROOT qualifies) first looks at the grants the
 * server sent with its records (every selection carries every grant): if one belongs to someone
 * who is no longer a member and its target is still at the grant's epoch, it fetches the whole
 * store and revokes such grants one by one (`revokeAccess`, one signed rotation each), before
 * the operation runs on fresh records.
 *
 * Idempotent and safe to race: each rotation is committed with compare-and-swap on every record
 * it touches (and the server's rule 7 refuses one that would leave a record created meanwhile on
 * the old key), so of two administrators finishing at once one wins and the other gets
 * `STORE_CONFLICT`, reads again and finds nothing left to do. A grant this administrator cannot
 * revoke (it cannot learn the path, lacks EJECT there, or the server refuses) is left to its
 * holders and not tried again by this client; the operation itself never fails because of it.
 */
import type { StoreEntrySelection } from '../api/store.js';
import { isBackboneError } from '../errors.js';
import {
  currentFormerGrants,
  grantTargetPath,
  revokeAccess,
  SeenVersions,
  type GrantRecord,
  type RotationBundle,
  type StoreContext,
  type StoreRecords,
  type StoreView,
} from '../store/index.js';
import { has } from '../workspace/permissions.js';
import { ServerError } from './http.js';

/** Most revocations (and lost races) one finishing pass makes. */
const MAX_ROUNDS = 64;

export interface PendingRevocationDeps {
  records(selection: StoreEntrySelection, workspaceId: string): Promise<{ view: StoreView }>;
  commit(body: { bundle: RotationBundle }, workspaceId: string): Promise<unknown>;
  /** Nothing is written to a workspace whose fingerprint is not confirmed here. */
  isConfirmed(workspaceId: string): Promise<boolean>;
}

export class PendingRevocations {
  /** `workspace/grant id/epoch` this client cannot revoke: left to the target's holders. */
  readonly #left = new Set<string>();

  constructor(private readonly deps: PendingRevocationDeps) {}

  #key(workspaceId: string, g: GrantRecord): string {
    return `${workspaceId}/${g.id}/${g.epoch}`;
  }

  #open(ctx: StoreContext, records: StoreRecords, workspaceId: string, complete: boolean) {
    return currentFormerGrants(ctx.membership, records, complete).filter(
      (g) => !this.#left.has(this.#key(workspaceId, g)),
    );
  }

  /**
   * Revokes the current grants of former members this administrator can revoke. True if it
   * looked at the whole store (run the operation again on fresh records and a fresh context:
   * what it read meanwhile — a rotation by a finisher that won the race — is newer than the
   * operation's records, and this device's rollback memory already knows it).
   */
  async finish(ctx: StoreContext, view: StoreView, workspaceId: string): Promise<boolean> {
    const me = ctx.membership.members.get(ctx.actor.name);
    if (!me || !has(me.permissions, 'USER_MANAGE') || !has(me.permissions, 'STORE_SHARE')) {
      return false;
    }
    if (this.#open(ctx, view, workspaceId, false).length === 0) return false;
    if (!(await this.deps.isConfirmed(workspaceId))) return false;
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const { view: all } = await this.deps.records({ all: true }, workspaceId);
      const grant = this.#open(ctx, all, workspaceId, true)[0];
      if (grant === undefined) break;
      // The rotation notes its new generations and versions in the rollback memory as it is
      // made: on a copy, kept only once the server took it (the operation's memory is saved
      // when it succeeds, and must never hold versions that do not exist).
      const trial = ctx.seen ? SeenVersions.fromJSON(ctx.seen.toJSON()) : undefined;
      const attempt: StoreContext = trial ? { ...ctx, seen: trial } : ctx;
      const bundle = this.#prepare(attempt, all, grant);
      if (bundle === undefined) {
        this.#left.add(this.#key(workspaceId, grant));
        continue;
      }
      try {
        await this.deps.commit({ bundle }, workspaceId);
        if (trial) ctx.seen?.merge(trial);
      } catch (error) {
        if (!(error instanceof ServerError)) throw error;
        // Raced (another finisher, a write, a record created meanwhile: rule 7): read again.
        if (error.serverCode === 'STORE_CONFLICT') continue;
        // Refused for another reason: not this client's to finish.
        if (error.status >= 400 && error.status < 500) {
          this.#left.add(this.#key(workspaceId, grant));
          continue;
        }
        throw error;
      }
    }
    return true;
  }

  /** The signed rotation that revokes `grant`, or undefined if this member cannot make it. */
  #prepare(
    ctx: StoreContext,
    records: StoreRecords,
    grant: GrantRecord,
  ): RotationBundle | undefined {
    const path = grantTargetPath(ctx, records, grant);
    if (path === undefined) return undefined;
    try {
      return revokeAccess(ctx, records, { path, grantee: grant.grantee }).bundle;
    } catch (error) {
      if (isBackboneError(error)) return undefined;
      throw error;
    }
  }
}
