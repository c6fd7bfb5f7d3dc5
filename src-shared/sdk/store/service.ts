/**
 * The SDK's store service: the one run loop every store operation of `client.entry`,
 * `client.namespace` and `client.vault` goes through (docs/store.md "Wiring").
 *
 * Each operation: (1) the verified membership state, this identity's keys and the naming key
 * opened from the log, and a copy of the rollback memory (`state.ts`); (2) the records the
 * operation needs, fetched and parsed with the model's schemas (`fetch.ts`); (3) the model step,
 * which checks everything it reads and returns a change set or a signed rotation bundle (the
 * `*-ops.ts` files); (4) the commit (`commit.ts`), retried with fresh records when the server
 * answers `STORE_CONFLICT` (someone else changed the same records meanwhile). Before the model
 * step, an interrupted re-tokenizing is finished (`retokenizing.ts`).
 *
 * It also keeps, per workspace and in memory only, what listings already checked (`ListingMemo`:
 * verified signatures, opened paths), so listing a large store again is cheap; `forget()` drops it.
 */
import type { StoreCommitResponse, StoreEntrySelection } from '../../api/store.js';
import { BackboneError } from '../../errors.js';
import { ListingMemo, type StoreView } from '../../store/index.js';
import { has } from '../../workspace/permissions.js';
import type { ClientContext } from '../client-context.js';
import { ServerError } from '../http.js';
import type { WorkspaceApi } from '../workspaces.js';
import { StoreCommitter } from './commit.js';
import { fetchRecords } from './fetch.js';
import { prepareRoot } from './namespace-ops.js';
import { PendingRevocations } from '../pending-revocations.js';
import { RetokenizingFinisher } from './retokenizing.js';
import { StoreState, type AttemptContext } from './state.js';
import {
  STORE_ATTEMPTS,
  noStore,
  type OpenedRecords,
  type Prepare,
  type Select,
  type StoreCommitBody,
  type StoreOptions,
  type StoreRunner,
} from './types.js';

/** Thrown inside `runWithRoot` when the store has no root namespace yet and you are ROOT. */
class NoRoot extends Error {}

function hasRoot(view: StoreView): boolean {
  return view.allNamespaces().some((r) => r.parent === null);
}

/** The store service (exported for tests and benchmarks as `client.storeService`). */
export class StoreService implements StoreRunner {
  readonly #state: StoreState;
  readonly #committer: StoreCommitter;
  readonly #retokenizing: RetokenizingFinisher;
  /** Grants of former members still on current keys (an interrupted removal), revoked here. */
  readonly #revocations: PendingRevocations;
  readonly #memos = new Map<string, ListingMemo>();

  constructor(
    private readonly client: ClientContext,
    private readonly workspaces: WorkspaceApi,
  ) {
    this.#state = new StoreState(client, workspaces);
    this.#committer = new StoreCommitter(client, workspaces);
    this.#retokenizing = new RetokenizingFinisher(
      {
        records: (selection, id) => this.records(selection, id),
        commit: (body, id) => this.commit(body, id),
      },
      workspaces,
    );
    this.#revocations = new PendingRevocations({
      records: (selection, id) => this.records(selection, id),
      commit: (body, id) => this.commit(body, id),
      isConfirmed: (id) => workspaces.isConfirmed(id),
    });
  }

  #id(workspaceId?: string): string {
    const id = workspaceId ?? this.client.workspaceId;
    if (id === undefined) {
      throw new BackboneError('INVALID_ARGUMENT', 'Say which workspace (the client has none set).');
    }
    return id;
  }

  /** The context for one attempt: verified state, own keys, naming key, a copy of `seen`. */
  context(workspaceId?: string): Promise<AttemptContext> {
    return this.#state.context(this.#id(workspaceId));
  }

  /** Fetches the records of a selection (every page) and parses them with the model. */
  records(selection: StoreEntrySelection, workspaceId?: string): Promise<OpenedRecords> {
    return fetchRecords(this.client, this.#id(workspaceId), selection);
  }

  /** Sends a change set or rotation bundle. */
  commit(body: StoreCommitBody, workspaceId?: string): Promise<StoreCommitResponse> {
    return this.#committer.send(body, this.#id(workspaceId));
  }

  /**
   * True if the store revision was made by one of this client's recent commits (so a
   * `store.changed` event for it is this client's own change, not someone else's).
   */
  isOwnCommit(workspaceId: string, revision: number): boolean {
    return this.#committer.isOwn(workspaceId, revision);
  }

  /** The listing memo of a workspace on the pinned server (made empty on first use). */
  async memo(workspaceId: string): Promise<ListingMemo> {
    const server = await this.client.server();
    const key = `${server.serverId}/${workspaceId}`;
    let memo = this.#memos.get(key);
    if (!memo) {
      memo = new ListingMemo();
      this.#memos.set(key, memo);
    }
    return memo;
  }

  /** Drops what listings remembered (paths) from memory. */
  forget(): void {
    for (const memo of this.#memos.values()) memo.clear();
    this.#memos.clear();
  }

  async run<T>(
    options: StoreOptions,
    select: Select,
    prepare: Prepare<T>,
    finishRetokenizing = true,
  ): Promise<T> {
    const id = this.#id(options.workspaceId);
    const attempts = Math.max(1, options.attempts ?? STORE_ATTEMPTS);
    let finishing = finishRetokenizing;
    // then an interrupted removal's revocations (administrators only; pending-revocations.ts)
    let revoking = finishRetokenizing;
    for (let attempt = 1; ; attempt++) {
      const { ctx, done } = await this.#state.context(id);
      let ok = false;
      try {
        const records = await this.records(select(ctx), id);
        if (finishing && (await this.#retokenizing.finish(ctx, records.view, id))) {
          finishing = false; // once per operation
          ok = true;
          attempt--;
          continue;
        }
        if (revoking && (await this.#revocations.finish(ctx, records.view, id))) {
          revoking = false; // once per operation
          ok = true;
          attempt--;
          continue;
        }
        const memo = await this.memo(id);
        const { result, commit } = prepare(ctx, { ...records, memo });
        if (commit) await this.commit(commit, id);
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

  async ensureRoot(options: StoreOptions = {}): Promise<void> {
    await this.workspaces.requireConfirmed(this.#id(options.workspaceId));
    await this.run(options, () => ({ none: true }), prepareRoot);
  }

  async runWithRoot<T>(options: StoreOptions, select: Select, prepare: Prepare<T>): Promise<T> {
    // Writes only: refused up front (before any model step) until the fingerprint is confirmed.
    await this.workspaces.requireConfirmed(this.#id(options.workspaceId));
    for (let round = 0; ; round++) {
      try {
        return await this.run(options, select, (ctx, records) => {
          if (!hasRoot(records.view)) {
            const me = ctx.membership.members.get(ctx.actor.name);
            if (!me || !has(me.permissions, 'ROOT')) throw noStore();
            throw new NoRoot();
          }
          return prepare(ctx, records);
        });
      } catch (error) {
        if (!(error instanceof NoRoot)) throw error;
        if (round > 0) throw noStore();
        await this.ensureRoot(options);
      }
    }
  }
}
