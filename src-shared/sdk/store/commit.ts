/**
 * Sending a change set or a signed rotation bundle (`POST /v1/workspaces/:id/store/commit`), and
 * remembering the store revisions of this client's own recent commits (so a `store.changed`
 * event for one of them is known as this client's own change).
 */
import { API_VERSION } from '../../api/common.js';
import { storeCommitResponseSchema, type StoreCommitResponse } from '../../api/store.js';
import type { ClientContext } from '../client-context.js';
import type { WorkspaceApi } from '../workspaces.js';
import type { StoreCommitBody } from './types.js';

/** How many own revisions are remembered per workspace. */
const OWN_REVISIONS = 100;

export class StoreCommitter {
  /** Store revisions of this client's own recent commits, per workspace (newest last). */
  readonly #ownRevisions = new Map<string, number[]>();

  constructor(
    private readonly client: ClientContext,
    private readonly workspaces: WorkspaceApi,
  ) {}

  /** Sends a change set or rotation bundle. */
  async send(body: StoreCommitBody, workspaceId: string): Promise<StoreCommitResponse> {
    // Nothing is written to a workspace whose fingerprint was never confirmed here.
    await this.workspaces.requireConfirmed(workspaceId);
    const answer = await this.client.authorized((token) =>
      this.client.http.request('POST', `/v1/workspaces/${workspaceId}/store/commit`, {
        schema: storeCommitResponseSchema,
        body: { v: API_VERSION, ...body },
        token,
      }),
    );
    const own = this.#ownRevisions.get(workspaceId) ?? [];
    own.push(answer.revision);
    if (own.length > OWN_REVISIONS) own.shift();
    this.#ownRevisions.set(workspaceId, own);
    return answer;
  }

  /** True if the store revision was made by one of this client's recent commits. */
  isOwn(workspaceId: string, revision: number): boolean {
    return this.#ownRevisions.get(workspaceId)?.includes(revision) === true;
  }
}
