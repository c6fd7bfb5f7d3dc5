/**
 * The crash test's users and the load they put on the server, through the real SDK.
 *
 * One workspace lives across every kill and restart of a backend's server: alice (ROOT) made it,
 * bob is a permanent member, c1..c3 come and go. Per round the workers run concurrently until
 * the server is killed:
 *  - two store writers (alice, separate clients): entry set/delete under `a/` and `b/`,
 *    namespace create, grant/revoke of their namespace to bob and the candidates;
 *  - a membership worker (alice): add a candidate from a real invitation, change its
 *    permissions, remove it (the SDK's removal cleanup commits go to the store);
 *  - a password worker: alice's and bob's password-access password changes.
 * Every client's fetch goes through the journal (journal.ts); password changes are noted here.
 */
import {
  generateSignKeyPair,
  randomBytes,
  toBase64Url,
  type RandomSource,
} from '../../src-shared/crypto/index.js';
import { isBackboneError } from '../../src-shared/errors.js';
import { BackboneClient } from '../../src-shared/sdk/client.js';
import type { ClientPrivateKey } from '../../src-shared/sdk/keys.js';
import { MemoryClientStore } from '../../src-shared/sdk/store.js';
import { Journal } from './journal.js';
import { Rng } from './rng.js';

export const CANDIDATES = ['c1', 'c2', 'c3'] as const;
const PERMISSION_SETS = [['STORE_USE'], ['STORE_USE', 'STORE_SHARE']] as const;
const ENTRY_KEYS = 6;

export const TEST_ONLY: { weakKdf: boolean; passwordAccessRandom: RandomSource } = {
  weakKdf: true,
  passwordAccessRandom: randomBytes,
};

export interface Person {
  name: string;
  key: ClientPrivateKey;
}

export interface PasswordState {
  /** The last password whose change the server acknowledged. */
  acked: string;
  /** A change sent but not answered (the kill): the server may hold this one instead. */
  pending: string | null;
}

export interface WorkerStats {
  ops: number;
  /** Errors the server answered (conflicts, refused by the model …): expected under load. */
  refused: number;
  /** Errors while the server was up that were not answers (should be 0). */
  unexpected: string[];
}

function newKey(): ClientPrivateKey {
  return { rootSecret: randomBytes(32), deviceSignKeyPair: generateSignKeyPair() };
}

export class Cluster {
  readonly journal = new Journal();
  readonly alice: Person = { name: 'alice', key: newKey() };
  readonly bob: Person = { name: 'bob', key: newKey() };
  readonly candidates: Person[] = CANDIDATES.map((name) => ({ name, key: newKey() }));
  readonly passwords = new Map<string, PasswordState>();
  workspaceId = '';
  fingerprint = '';
  #namespaceCounter = 0;
  #passwordCounter = 0;
  /** Long-lived clients (their stores keep pins, tokens and SeenVersions across restarts). */
  readonly #clients = new Map<string, BackboneClient>();

  constructor(public url: string) {}

  /** A long-lived client for `role` (one per role, reused across rounds). */
  client(role: string, person: Person): BackboneClient {
    let client = this.#clients.get(role);
    if (!client) {
      client = this.fresh(person, new MemoryClientStore());
      this.#clients.set(role, client);
    }
    return client;
  }

  fresh(person: Person, store: MemoryClientStore): BackboneClient {
    return new BackboneClient({
      server: this.url,
      ...(this.workspaceId ? { workspace: this.workspaceId } : {}),
      // Every client of the test is the user who compared the fingerprint.
      ...(this.fingerprint ? { expectFingerprint: this.fingerprint } : {}),
      username: person.name,
      privateKey: person.key,
      store,
      http: { fetch: this.journal.fetch, timeoutMs: 20_000 },
      testOnly: TEST_ONLY,
    });
  }

  /** Workspace, store root, bob, the writers' namespaces and both passwords (server not killed). */
  async setup(): Promise<void> {
    const creator = this.fresh(this.alice, new MemoryClientStore());
    const ws = await creator.workspace.create('Crash test');
    this.workspaceId = ws.id;
    this.fingerprint = ws.fingerprint;
    const admin = this.client('admin', this.alice);
    const bobClient = this.client('bob', this.bob);
    await admin.user.import((await bobClient.user.generate()).invitation, ['STORE_USE']);
    await admin.namespace.create('a');
    await admin.namespace.create('b');
    for (const [person, client] of [
      [this.alice, admin],
      [this.bob, bobClient],
    ] as const) {
      const password = `setup password of ${person.name}`;
      await client.passwordAccess.register(password);
      this.passwords.set(person.name, { acked: password, pending: null });
    }
  }

  /** Runs the workers until `stopped()` (the server was killed); returns their stats. */
  async load(rng: Rng, stopped: () => boolean): Promise<WorkerStats> {
    const stats: WorkerStats = { ops: 0, refused: 0, unexpected: [] };
    const seeds = [0, 1, 2, 3].map(() => rng.int(0, 2 ** 31));
    const step = async (work: () => Promise<unknown>) => {
      try {
        await work();
        stats.ops++;
      } catch (error) {
        if (stopped()) return;
        if (isBackboneError(error) && isAnswer(error.code)) stats.refused++;
        else stats.unexpected.push(describe(error));
      }
    };
    const loop = async (seed: number, op: (r: Rng) => Promise<unknown>) => {
      const r = new Rng(seed);
      while (!stopped()) await step(() => op(r));
    };
    await Promise.all([
      loop(seeds[0]!, (r) => this.#storeOp(r, 'a', this.client('writer-a', this.alice))),
      loop(seeds[1]!, (r) => this.#storeOp(r, 'b', this.client('writer-b', this.alice))),
      loop(seeds[2]!, (r) => this.#memberOp(r)),
      // A password change makes a keyfile at the production Argon2id floor in this process
      // (the SDK has no weaker setting for it), which blocks the event loop for a second or
      // more: at most one per round, in about a third of the rounds.
      (async () => {
        const r = new Rng(seeds[3]!);
        if (r.chance(0.35)) await step(() => this.#passwordOp(r, stopped));
      })(),
    ]);
    return stats;
  }

  async #storeOp(r: Rng, prefix: string, client: BackboneClient): Promise<void> {
    const roll = r.next();
    if (roll < 0.55) {
      const value = toBase64Url(randomBytes(r.int(1, 48)));
      await client.entry.set(`${prefix}/k${r.int(0, ENTRY_KEYS - 1)}`, value);
    } else if (roll < 0.7) {
      await client.entry.delete(`${prefix}/k${r.int(0, ENTRY_KEYS - 1)}`);
    } else if (roll < 0.8) {
      await client.namespace.create(`${prefix}/n${this.#namespaceCounter++}`);
    } else if (roll < 0.9) {
      const who = r.pick(['bob', ...CANDIDATES]);
      await client.namespace.grant(prefix, who, { access: r.pick([['READ'], ['READ', 'WRITE']]) });
    } else {
      await client.namespace.revoke(prefix, r.pick(['bob', ...CANDIDATES]));
    }
  }

  async #memberOp(r: Rng): Promise<void> {
    const admin = this.client('members', this.alice);
    const candidate = r.pick(this.candidates);
    const members = await admin.user.list();
    const member = members.find((m) => m.name === candidate.name);
    if (!member) {
      const invitation = await this.client(candidate.name, candidate).user.generate();
      await admin.user.import(invitation.invitation, r.pick(PERMISSION_SETS));
    } else if (r.chance(0.5)) {
      const other = PERMISSION_SETS.find((set) => set.length !== member.permissions.length);
      await admin.user.modify(candidate.name, other ?? ['STORE_USE']);
    } else {
      await admin.user.delete(candidate.name);
    }
  }

  async #passwordOp(r: Rng, stopped: () => boolean): Promise<void> {
    const person = r.chance(0.5) ? this.alice : this.bob;
    const state = this.passwords.get(person.name);
    if (!state) throw new Error(`no password state for ${person.name}`);
    const password = `password ${this.#passwordCounter++} of ${person.name}`;
    state.pending = password;
    try {
      await this.client(`password-${person.name}`, person).passwordAccess.change(password);
    } catch (error) {
      // Failed while the server was up: not changed. After the kill it may have been.
      if (!stopped()) state.pending = null;
      throw error;
    }
    state.acked = password;
    state.pending = null;
  }
}

/** Codes that mean the server did not answer, or failed: never expected while it is up. */
function isAnswer(code: string): boolean {
  return !['SERVER_UNREACHABLE', 'REQUEST_TIMEOUT', 'INTERNAL'].includes(code);
}

export function describe(error: unknown): string {
  if (isBackboneError(error)) return `${error.code}: ${error.message}`;
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
