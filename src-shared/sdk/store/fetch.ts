/**
 * Fetching store records from the server (`POST /v1/workspaces/:id/store/records`, every page)
 * and parsing them with the model's schemas. The server is untrusted: an answer for another
 * workspace or pages that go backwards are refused here; everything else is checked by the model
 * when an operation reads it.
 */
import { API_VERSION } from '../../api/common.js';
import {
  STORE_PAGE_MAX,
  storeRecordsResponseSchema,
  type StoreEntrySelection,
} from '../../api/store.js';
import { BackboneError } from '../../errors.js';
import { StoreView } from '../../store/index.js';
import type { ClientContext } from '../client-context.js';
import type { OpenedRecords } from './types.js';

/** Fetches the records of a selection (every page) and parses them with the model. */
export async function fetchRecords(
  client: ClientContext,
  workspaceId: string,
  selection: StoreEntrySelection,
): Promise<OpenedRecords> {
  const namespaces: unknown[] = [];
  const grants: unknown[] = [];
  const entries: unknown[] = [];
  const tombstones: Record<string, number> = {};
  let after: string | undefined;
  for (;;) {
    const page = await client.authorized((token) =>
      client.http.request('POST', `/v1/workspaces/${workspaceId}/store/records`, {
        schema: storeRecordsResponseSchema,
        body: {
          v: API_VERSION,
          entries: selection,
          ...(after !== undefined ? { after } : {}),
          limit: STORE_PAGE_MAX,
        },
        token,
        idempotent: true,
      }),
    );
    if (page.workspace !== workspaceId) {
      throw new BackboneError(
        'SERVER_INVALID_RESPONSE',
        'The server answered with the store of another workspace.',
      );
    }
    namespaces.push(...page.namespaces);
    grants.push(...page.grants);
    entries.push(...page.entries);
    Object.assign(tombstones, page.tombstones);
    if (page.next === null) break;
    if (after !== undefined && page.next <= after) {
      throw new BackboneError('SERVER_INVALID_RESPONSE', 'The server pages went backwards.');
    }
    after = page.next;
  }
  const view = new StoreView(workspaceId, {
    namespaces: namespaces as never[],
    grants: grants as never[],
    entries: entries as never[],
  });
  return { view, tombstones };
}
