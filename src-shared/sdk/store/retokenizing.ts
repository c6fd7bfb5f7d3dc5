/**
 * Re-tokenizing: after a naming-key rotation (a member's removal), moving the records this
 * member can reach to their tokens under the new naming key (`retokenize`, the model step).
 *
 * - `prepareRetokenizing`: the model step as an operation (`cleanupAfterRemoval`'s first step).
 * - `RetokenizingFinisher`: finishes a rotation whose re-tokenizing never happened (the remover
 *   crashed, or the server went down, between the removal and its store cleanup), run by the
 *   service before every operation: while records are still under an older naming key, every
 *   path looks empty under the current one.
 */
import type { StoreEntrySelection } from '../../api/store.js';
import { isBackboneError } from '../../errors.js';
import { retokenize, type StoreContext, type StoreView } from '../../store/index.js';
import { ServerError } from '../http.js';
import type { WorkspaceApi } from '../workspaces.js';
import type { OpenedRecords, Prepared, StoreCommitBody } from './types.js';

/** What re-tokenizing moved, and how many old records this member cannot reach. */
export interface RetokenizingResult {
  count: number;
  unreachable: number;
}

/** The re-tokenizing of every record this member can reach, as an operation's model step. */
export function prepareRetokenizing(
  ctx: StoreContext,
  view: StoreView,
): Prepared<RetokenizingResult> {
  const r = retokenize(ctx, view);
  const count = r.updated.namespaces + r.updated.entries;
  return {
    result: { count, unreachable: r.unreachable.namespaces.length + r.unreachable.entries.length },
    // superseded: old entries whose path was written again under the new key, deleted
    commit: count + r.superseded.length > 0 ? { change: r.change } : null,
  };
}

/** What the finisher needs of the service. */
export interface RetokenizingIo {
  records(selection: StoreEntrySelection, workspaceId: string): Promise<OpenedRecords>;
  commit(body: StoreCommitBody, workspaceId: string): Promise<unknown>;
}

export class RetokenizingFinisher {
  /** `workspace/naming generation` where re-tokenizing found nothing left for this member. */
  readonly #done = new Set<string>();

  constructor(
    private readonly io: RetokenizingIo,
    private readonly workspaces: WorkspaceApi,
  ) {}

  /**
   * When a namespace (always all fetched) or a fetched entry is under an older naming key,
   * re-tokenizes what this member can reach and commits it; true if it read the whole store (run
   * the operation again on fresh records: the rollback memory may now know newer records than
   * the operation's own fetch). Once a generation has nothing left that this member can move
   * (the rest is its holders'), it is not tried again. A path written again under the new key
   * meanwhile: see `retokenize` (the stale old entry is deleted).
   */
  async finish(ctx: StoreContext, view: StoreView, workspaceId: string): Promise<boolean> {
    const generation = ctx.membership.namingKey.generation;
    const key = `${workspaceId}/${generation}`;
    if (this.#done.has(key)) return false;
    // Nothing is written to a workspace whose fingerprint is not confirmed here (a read goes on).
    if (!(await this.workspaces.isConfirmed(workspaceId))) return false;
    const old = (r: { naming: number }) => r.naming < generation;
    if (!view.allNamespaces().some(old) && !view.allEntries().some(old)) return false;
    const { view: all } = await this.io.records({ all: true }, workspaceId);
    try {
      const { commit } = prepareRetokenizing(ctx, all);
      if (commit === null) {
        this.#done.add(key);
        return true;
      }
      await this.io.commit(commit, workspaceId);
      return true;
    } catch (error) {
      // Another client finished it first: run the operation again on fresh records (the caller
      // finishes at most once per operation).
      if (error instanceof ServerError && error.serverCode === 'STORE_CONFLICT') return true;
      // Refused otherwise (by the server or by the model): the operation goes on with what it
      // can see; this generation is not retried by this client.
      if (
        (error instanceof ServerError && error.status >= 400 && error.status < 500) ||
        (!(error instanceof ServerError) && isBackboneError(error))
      ) {
        this.#done.add(key);
        return true;
      }
      throw error;
    }
  }
}
