/**
 * The membership-log view: every entry of the current workspace's log, fetched and verified
 * here (signatures, hash chain, rules, and that it extends the head this device pinned), with a
 * one-line summary each. The SDK verifies the log but does not hand out its entries, so the core
 * reads them with the same HTTP client and checks them with the same shared model
 * (`verifyLog` against the pins the SDK keeps).
 */
import { LOG_PAGE_MAX, logResponseSchema } from '../../../src-shared/api/workspaces.js';
import { BackboneError } from '../../../src-shared/errors.js';
import type { LogEntryView, MembershipLogView } from '../../../src-shared/ipc/contract.js';
import { HttpClient } from '../../../src-shared/sdk/http.js';
import { VerificationError } from '../../../src-shared/sdk/workspaces.js';
import {
  entryHash,
  parseMembershipEntry,
  verifyLog,
  workspaceFingerprint,
  type MembershipEntry,
} from '../../../src-shared/workspace/membership-log.js';
import type { CoreServices } from '../services.js';

const MAX_ENTRIES = 100_000;

function perms(list: readonly string[]): string {
  return list.length === 0 ? 'no permissions' : list.join(', ');
}

export function summarize(entry: MembershipEntry): string {
  switch (entry.type) {
    case 'genesis':
      return `Created the workspace "${entry.body.name}" with ${entry.body.creator.name} as ROOT`;
    case 'user.add':
      return `Added ${entry.body.name} (${perms(entry.body.permissions)})`;
    case 'user.permissions':
      return `Set the permissions of ${entry.body.name} to ${perms(entry.body.permissions)}`;
    case 'user.remove':
      return `Removed ${entry.body.name}`;
    case 'naming.rotate':
      return `Rotated the naming key to generation ${entry.body.generation} (${Object.keys(entry.body.keys).length} members)`;
  }
}

export async function membershipLogView(
  core: Pick<CoreServices, 'ctx' | 'session'>,
): Promise<MembershipLogView> {
  const { ctx, session } = core;
  return session.verified(async (client) => {
    // Verifies what is new and moves this device's pin forward first.
    const ws = await client.workspace.get();
    const pin = await client.server();
    const workspacePin = await ctx.store.getWorkspacePin(pin.serverId, ws.id);
    if (!workspacePin) throw new BackboneError('INTERNAL', 'The workspace is not pinned.');
    const token = await session.token();
    const http = new HttpClient(pin.url, { timeoutMs: 30_000 });
    const raw: unknown[] = [];
    for (let from = 0; ;) {
      const page = await http.request(
        'GET',
        `/v1/workspaces/${ws.id}/log?from=${from}&limit=${LOG_PAGE_MAX}`,
        { schema: logResponseSchema, token, expect: 200 },
      );
      raw.push(...page.entries);
      if (page.next === null || page.entries.length === 0) break;
      if (raw.length > MAX_ENTRIES) {
        throw new VerificationError('SERVER_INVALID_RESPONSE', 'The server sent too many entries.');
      }
      from = page.next;
    }
    let state;
    try {
      state = verifyLog(raw, {
        pinnedGenesisHash: workspacePin.genesisHash,
        pinnedHead: workspacePin.head,
      });
    } catch (error) {
      throw VerificationError.from(error);
    }
    const entries: LogEntryView[] = raw.map((value) => {
      const entry = parseMembershipEntry(value);
      return {
        seq: entry.seq,
        type: entry.type,
        author: entry.author,
        summary: summarize(entry),
        hash: entryHash(entry),
      };
    });
    return {
      workspaceId: state.workspaceId,
      displayName: state.displayName,
      fingerprint: workspaceFingerprint(state.genesisHash),
      genesisHash: state.genesisHash,
      head: { ...state.head },
      entries,
      verified: true,
      verifiedAt: new Date().toISOString(),
    };
  });
}
