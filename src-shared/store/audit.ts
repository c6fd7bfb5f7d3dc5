/**
 * Key-free consistency checks of store records: what the server can verify before it commits a
 * change (it has every record and the membership log, but no key), and what a client can run on
 * what it fetched. The server runs it on the state a change would produce, restricted to the
 * records the change touches and the grants they rely on (`reliedOn`), and refuses the change if
 * anything is reported. The rules are `access.ts`'s: grants count only at their target's current
 * epoch, and an entry's writer needs WRITE on it and READ on its namespace.
 *
 * Checked: namespaces are in the tree and their key statements authorized; `inherit` and `name`
 * are sealed to the parent's current generation; grants are valid and their key envelope is for
 * the target's current generation; entries are signed by a current member holding WRITE, filed
 * under an existing namespace and sealed to its current generation, and carry direct-share
 * envelopes only for members with a valid direct READ grant.
 *
 * Not checked (impossible without keys): that envelopes open and commit to their records, that
 * an entry is filed under its *nearest* namespace, that a namespace's path is what it claims.
 * Readers check those.
 */
import type { ErrorCode } from '../errors.js';
import type { MembershipState } from '../workspace/membership-log.js';
import { analyzeStore } from './access.js';
import { directReaders } from './entries.js';
import {
  STORE_KINDS,
  entrySignedBody,
  verifyStoreStatement,
  type GrantRecord,
  type RecordType,
} from './records.js';
import type { StoreRecords } from './store-view.js';

export interface StoreProblem {
  type: RecordType;
  id: string;
  code: ErrorCode;
  message: string;
}

export interface AuditOptions {
  /** Only report on these records (`type:id`); default: every record. */
  only?: ReadonlySet<string>;
  /**
   * With `only`: also report on the grants those records rely on — the grants to an entry's
   * writer or a namespace's signer on its authority chain (and, for an entry, on the entry).
   */
  reliedOn?: boolean;
}

/** The `grant:id` keys of the valid grants a signer relies on for a namespace or an entry. */
function reliedGrants(
  authority: ReturnType<typeof analyzeStore>,
  byGrantee: ReadonlyMap<string, GrantRecord[]>,
  signer: string,
  namespaceId: string,
  entryId?: string,
): string[] {
  const node = authority.node(namespaceId);
  if (!node) return [];
  return (byGrantee.get(signer) ?? [])
    .filter((g) =>
      g.target.kind === 'namespace' ? node.chain.includes(g.target.id) : g.target.id === entryId,
    )
    .map((g) => `grant:${g.id}`);
}

/** Lists what is wrong with the records (empty if nothing). */
export function auditStore(
  records: StoreRecords,
  membership: MembershipState,
  options: AuditOptions = {},
): StoreProblem[] {
  const authority = analyzeStore(records, membership);
  const problems: StoreProblem[] = [];
  let only = options.only;
  if (only !== undefined && options.reliedOn) {
    const widened = new Set(only);
    const byGrantee = new Map<string, GrantRecord[]>();
    for (const g of authority.validGrants()) {
      const list = byGrantee.get(g.grantee) ?? [];
      list.push(g);
      byGrantee.set(g.grantee, list);
    }
    for (const key of only) {
      const [type, id] = key.split(/:(.*)/s) as [RecordType, string];
      if (type === 'entry') {
        const e = records.entry(id);
        if (e)
          for (const g of reliedGrants(authority, byGrantee, e.writer, e.namespace, e.id))
            widened.add(g);
      } else if (type === 'namespace') {
        const r = records.namespace(id);
        if (r) for (const g of reliedGrants(authority, byGrantee, r.signer, r.id)) widened.add(g);
      }
    }
    only = widened;
  }
  const wanted = (type: RecordType, id: string) => only === undefined || only.has(`${type}:${id}`);
  const report = (type: RecordType, id: string, code: ErrorCode, message: string) =>
    problems.push({ type, id, code, message });

  for (const r of records.allNamespaces()) {
    if (!wanted('namespace', r.id)) continue;
    const node = authority.node(r.id);
    if (!node) {
      const issue = authority.namespaceProblem(r.id);
      report(
        'namespace',
        r.id,
        issue?.code ?? 'STORE_INVALID_RECORD',
        issue?.message ?? 'Refused.',
      );
      continue;
    }
    if (!authority.signerAuthorized(r.id)) {
      report(
        'namespace',
        r.id,
        'STORE_FORBIDDEN',
        'The key statement is signed by someone without READ.',
      );
    }
    const parent = r.parent === null ? undefined : records.namespace(r.parent);
    if (parent) {
      if (r.name && r.name.generation !== parent.generation) {
        report('namespace', r.id, 'STORE_TAMPERED', 'The name is sealed to an old parent key.');
      }
      if (r.inherit && r.inherit.generation !== parent.generation) {
        report(
          'namespace',
          r.id,
          'STORE_TAMPERED',
          'The inherited key is sealed to an old parent key.',
        );
      }
    }
  }

  for (const g of records.allGrants()) {
    if (!wanted('grant', g.id)) continue;
    if (!authority.isGrantValid(g.id)) {
      const issue = authority.grantProblem(g.id);
      report('grant', g.id, issue?.code ?? 'STORE_FORBIDDEN', issue?.message ?? 'Refused.');
      continue;
    }
    if (g.key && g.key.generation !== records.namespace(g.target.id)?.generation) {
      report('grant', g.id, 'STORE_TAMPERED', 'The key is sealed for an old generation.');
    }
  }

  for (const e of records.allEntries()) {
    if (!wanted('entry', e.id)) continue;
    const writer = membership.members.get(e.writer);
    if (!writer) {
      report('entry', e.id, 'STORE_FORBIDDEN', 'The writer is not a member.');
      continue;
    }
    if (!verifyStoreStatement(STORE_KINDS.entry, entrySignedBody(e), e.sig, writer.signPk)) {
      report('entry', e.id, 'STORE_BAD_SIGNATURE', 'The writer signature is not valid.');
      continue;
    }
    const namespace = authority.node(e.namespace);
    if (!namespace) {
      report('entry', e.id, 'STORE_NOT_FOUND', 'The entry is filed under a missing namespace.');
      continue;
    }
    if (!authority.writerAuthorized(e)) {
      report('entry', e.id, 'STORE_FORBIDDEN', 'The writer has no WRITE access here.');
    }
    if (e.keys.namespace.generation !== namespace.record.generation) {
      report('entry', e.id, 'STORE_TAMPERED', 'The entry key is sealed to an old namespace key.');
    }
    const readers = new Set(directReaders(authority, e.id));
    if (Object.keys(e.keys.users).some((name) => !readers.has(name))) {
      report(
        'entry',
        e.id,
        'STORE_FORBIDDEN',
        'The entry key is shared with someone without a grant.',
      );
    }
  }
  return problems;
}
