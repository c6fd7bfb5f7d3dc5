/**
 * Grants of former members (docs/membership.md §4 "Finishing a removal").
 *
 * Removing a member commits `user.remove` + `naming.rotate` to the membership log; the store
 * side — re-tokenizing, then one revocation (key rotation) per grant of the former member — is
 * separate commits. If they never happen (the remover crashed, the server went down between
 * them), the former member's grants stay on the records with their key envelopes, at their
 * target's current key generation: everything written later under those namespaces is sealed to
 * keys the former member holds. Such a grant no longer counts for access (the grantee is not a
 * member), but its key does. These helpers find them and the paths to revoke them at.
 */
import { isBackboneError } from '../errors.js';
import type { MembershipState } from '../workspace/membership-log.js';
import { StoreSession, type StoreContext } from './context.js';
import type { GrantRecord } from './records.js';
import type { StoreRecords } from './store-view.js';

/**
 * Grants to someone who is not a current member whose target is still at the grant's epoch (its
 * key, or an entry's share epoch, is the one the former member was given). `complete`: the
 * records hold every entry, so a grant on an entry that is not there (deleted) is not current;
 * otherwise such a grant may be current and is listed.
 */
export function currentFormerGrants(
  membership: MembershipState,
  records: StoreRecords,
  complete: boolean,
): GrantRecord[] {
  return records.allGrants().filter((g) => {
    if (membership.members.has(g.grantee)) return false;
    if (g.target.kind === 'namespace') {
      return records.namespace(g.target.id)?.generation === g.epoch;
    }
    const entry = records.entry(g.target.id);
    return entry === undefined ? !complete : entry.shareEpoch === g.epoch;
  });
}

/** The path of a grant's target, if this member can learn it (else undefined). */
export function grantTargetPath(
  ctx: StoreContext,
  records: StoreRecords,
  grant: GrantRecord,
): string | undefined {
  const s = new StoreSession(ctx, records);
  try {
    if (grant.target.kind === 'namespace') {
      return s.resolver.namespacePath(grant.target.id).path;
    }
    const entry = records.entry(grant.target.id);
    if (!entry) return undefined;
    const opened = s.resolver.entryKey(entry);
    opened.key.fill(0);
    return opened.path;
  } catch (error) {
    if (isBackboneError(error)) return undefined;
    throw error;
  } finally {
    s.resolver.wipe();
  }
}
