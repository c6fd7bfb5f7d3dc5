/**
 * After a restart: is everything the server acknowledged still there, and nothing half written?
 *
 *  1. Health: `GET /healthz` answers 200.
 *  2. Membership: a client with a fresh store verifies the whole log from genesis (`verifyLog`,
 *     with the fingerprint of the genesis); every acknowledged append is in it at its seq with
 *     its hash; the long-lived clients (pinned heads) see no rollback or fork.
 *  3. Store, against the journal: the records as they were at the last check (the baseline),
 *     with every acknowledged commit of this round applied in revision order, must be what the
 *     server holds — except records an unanswered commit touched, which may hold that commit's
 *     version instead. An unanswered commit is all or nothing: if any record shows it applied,
 *     all of its records must (or a later commit's).
 *  4. The store through the SDK: the long-lived writer clients list and read everything they
 *     can (signatures, grants, their SeenVersions rollback memory); nothing is refused.
 *  5. Password access: each user's acknowledged password (or the one of an unanswered change)
 *     still logs in.
 */
import {
  canonicalJson,
  fromUtf8,
  parseKeyfile,
  type JsonValue,
} from '../../src-shared/crypto/index.js';
import { isBackboneError } from '../../src-shared/errors.js';
import { connectNodeWebSocket } from '../../src-shared/pake/connection.js';
import { passwordLogin } from '../../src-shared/pake/client.js';
import { BackboneClient, PASSWORD_ACCESS_PATH, webSocketUrl } from '../../src-shared/sdk/client.js';
import { MemoryClientStore } from '../../src-shared/sdk/store.js';
import { entryHash, type MembershipEntry } from '../../src-shared/workspace/membership-log.js';
import { TEST_ONLY, describe, type Cluster } from './cluster.js';
import type { Rec, SentCommit, StoreChangeSent } from './journal.js';

const ABSENT = '(absent)';
type Kind = 'namespaces' | 'grants' | 'entries';
const KINDS: Kind[] = ['namespaces', 'grants', 'entries'];

export type StoreState = Map<string, string>;

export interface CheckResult {
  /** Acknowledged changes checked: commits, log appends, password changes. */
  ackedChecked: number;
  /** Acknowledged changes not found. */
  lost: string[];
  /** States that no sequence of sent changes explains, half-written commits, refused checks. */
  corrupt: string[];
  /** The store as now verified: the next round's baseline. */
  store: StoreState;
}

function recKey(kind: Kind, id: string): string {
  return `${kind}:${id}`;
}

function changeStates(change: StoreChangeSent): Map<string, string> {
  const out = new Map<string, string>();
  for (const kind of KINDS) {
    for (const id of change.remove[kind]) out.set(recKey(kind, id), ABSENT);
    for (const r of change.put[kind]) out.set(recKey(kind, r.id), canonicalJson(r as JsonValue));
  }
  return out;
}

/** The server's store as seen by a (fresh) member client: record key → canonical JSON. */
export async function readStore(client: BackboneClient): Promise<StoreState> {
  const { view } = await client.storeService.records({ all: true });
  const snapshot = view.snapshot();
  const state: StoreState = new Map();
  for (const kind of KINDS) {
    for (const r of snapshot[kind] as unknown as Rec[]) {
      state.set(recKey(kind, r.id), canonicalJson(r as JsonValue));
    }
  }
  return state;
}

/** Step 3: the store against the baseline and this round's commits. */
export function compareStore(
  baseline: StoreState,
  commits: readonly SentCommit[],
  actual: StoreState,
): { acked: number; lost: string[]; corrupt: string[] } {
  const lost: string[] = [];
  const corrupt: string[] = [];
  const acked = commits
    .filter((c) => c.outcome === 'acked')
    .sort((a, b) => (a.revision ?? 0) - (b.revision ?? 0));
  const unknown = commits.filter((c) => c.outcome === 'unknown' || c.outcome === 'pending');
  const expected = new Map(baseline);
  const byAcked = new Map<string, number>();
  for (const c of acked) {
    for (const [key, value] of changeStates(c.change)) {
      expected.set(key, value);
      byAcked.set(key, c.revision ?? 0);
    }
  }
  const unknownStates = unknown.map((c) => ({ commit: c, states: changeStates(c.change) }));
  const alternatives = new Map<string, Set<string>>();
  for (const { states } of unknownStates) {
    for (const [key, value] of states) {
      let set = alternatives.get(key);
      if (!set) alternatives.set(key, (set = new Set()));
      set.add(value);
    }
  }
  const get = (map: StoreState, key: string) => map.get(key) ?? ABSENT;
  const keys = new Set([...expected.keys(), ...actual.keys(), ...alternatives.keys()]);
  for (const key of keys) {
    const have = get(actual, key);
    const want = get(expected, key);
    if (have === want || alternatives.get(key)?.has(have)) continue;
    const what = `${key}: ${have === ABSENT ? 'missing' : 'unexpected content'}`;
    if (byAcked.has(key)) lost.push(`${what} (acknowledged at revision ${byAcked.get(key)})`);
    else if (baseline.has(key) || have !== ABSENT) corrupt.push(what);
    else lost.push(what);
  }
  for (const { commit, states } of unknownStates) {
    const applied = [...states].some(([key, value]) => {
      const have = get(actual, key);
      return have === value && have !== get(expected, key);
    });
    if (!applied) continue;
    for (const [key, value] of states) {
      const have = get(actual, key);
      if (have === value) continue;
      const otherUnknown = unknownStates.some(
        (u) => u.commit !== commit && u.states.get(key) === have,
      );
      const laterAcked = byAcked.has(key) && have === get(expected, key);
      if (!otherUnknown && !laterAcked) {
        corrupt.push(`half-written commit #${commit.seq}: ${key} not as sent`);
      }
    }
  }
  return { acked: acked.length, lost, corrupt };
}

async function health(url: string): Promise<string | undefined> {
  try {
    const response = await fetch(`${url}/healthz`);
    return response.status === 200 ? undefined : `health answered ${response.status}`;
  } catch (error) {
    return `health: ${describe(error)}`;
  }
}

/** Step 5 for one user: true if `password` logs in (the keyfile blob parses). */
async function passwordWorks(cluster: Cluster, name: string, password: string): Promise<boolean> {
  const probe = new BackboneClient({ server: cluster.url, store: new MemoryClientStore() });
  const server = await probe.server();
  const conn = await connectNodeWebSocket(webSocketUrl(probe.serverUrl, PASSWORD_ACCESS_PATH));
  try {
    const blob = await passwordLogin(conn, {
      workspace: cluster.workspaceId,
      username: name,
      password,
      serverId: server.serverId,
      testOnlyRandom: TEST_ONLY.passwordAccessRandom,
    });
    parseKeyfile(fromUtf8(blob));
    return true;
  } catch {
    return false;
  } finally {
    conn.close();
  }
}

export async function checkAfterRestart(
  cluster: Cluster,
  baseline: StoreState,
  options: { fullPasswordLogin?: boolean } = {},
): Promise<CheckResult> {
  const lost: string[] = [];
  const corrupt: string[] = [];
  let ackedChecked = 0;

  const unhealthy = await health(cluster.url);
  if (unhealthy) corrupt.push(unhealthy);

  // 2. membership from genesis, with a fresh store
  const checker = cluster.fresh(cluster.alice, new MemoryClientStore());
  try {
    await checker.workspace.get({ expectFingerprint: cluster.fingerprint });
    const state = await checker.workspace.state();
    const log = checker.workspace.rawLog(state) ?? [];
    const hashes = log.map((entry) => entryHash(entry as MembershipEntry));
    for (const append of cluster.journal.appends) {
      if (append.outcome !== 'acked') continue;
      ackedChecked++;
      for (const { seq, hash } of append.appended ?? []) {
        if (hashes[seq] !== hash) lost.push(`membership entry ${seq} (${hash.slice(0, 8)}…)`);
      }
    }
  } catch (error) {
    corrupt.push(`membership log: ${describe(error)}`);
  }
  await Promise.all(
    ['admin', 'members', 'writer-a', 'writer-b'].map(async (role) => {
      try {
        await cluster.client(role, cluster.alice).workspace.get();
      } catch (error) {
        corrupt.push(`membership (${role}, pinned): ${describe(error)}`);
      }
    }),
  );

  // 3. the store against the journal
  let store = baseline;
  let commitsChecked = cluster.journal.commits.length;
  try {
    store = await readStore(checker);
    const compared = compareStore(baseline, cluster.journal.commits, store);
    ackedChecked += compared.acked;
    lost.push(...compared.lost);
    corrupt.push(...compared.corrupt);
    commitsChecked = cluster.journal.commits.length;
  } catch (error) {
    corrupt.push(`store records: ${describe(error)}`);
  }

  // 4. the store through the SDK, with the writers' rollback memory
  await Promise.all(
    ['writer-a', 'writer-b'].map(async (role) => {
      try {
        const client = cluster.client(role, cluster.alice);
        const { listing, copy } = await client.vault.snapshot();
        if (listing.refused > 0) corrupt.push(`${role}: ${listing.refused} entries refused`);
        // one entry read in full (value decrypted) from the copy, the others were listed
        const some = listing.entries[Math.floor(Math.random() * listing.entries.length)];
        if (some) await client.vault.readCopy(copy, some.path);
      } catch (error) {
        corrupt.push(`store via SDK (${role}): ${describe(error)}`);
      }
    }),
  );

  // 5. password access
  await Promise.all(
    [...cluster.passwords].map(async ([name, state]) => {
      const tries = state.pending ? [state.pending, state.acked] : [state.acked];
      let working: string | undefined;
      for (const password of tries) {
        if (await passwordWorks(cluster, name, password)) {
          working = password;
          break;
        }
      }
      ackedChecked++;
      if (working === undefined) {
        lost.push(`password access of ${name}`);
        return;
      }
      state.acked = working;
      state.pending = null;
      if (options.fullPasswordLogin) {
        // A kept-alive connection the server closed at that moment fails once: retry that.
        for (let attempt = 1; ; attempt++) {
          try {
            const machine = await BackboneClient.fromCredentials({
              server: cluster.url,
              workspace: cluster.workspaceId,
              username: name,
              password: working,
              store: new MemoryClientStore(),
              testOnly: TEST_ONLY,
            });
            await machine.user.self();
            break;
          } catch (error) {
            if (attempt < 3 && isBackboneError(error, 'SERVER_UNREACHABLE')) continue;
            corrupt.push(`password login of ${name}: ${describe(error)}`);
            break;
          }
        }
      }
    }),
  );
  // The SDK may have committed during steps 4–5 (finishing a re-tokenizing the kill
  // interrupted): the next round's baseline is the store after those commits.
  if (cluster.journal.commits.length > commitsChecked) {
    try {
      store = await readStore(checker);
    } catch (error) {
      corrupt.push(`store records (again): ${describe(error)}`);
    }
  }
  return { ackedChecked, lost, corrupt, store };
}
