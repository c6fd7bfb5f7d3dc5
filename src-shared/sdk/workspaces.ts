/**
 * `client.workspace`: create, get, list, delete — and the verified membership state every other
 * workspace operation starts from.
 *
 * Every fetch of the membership log is verified with the shared model before anything from it is
 * returned: the whole log with `verifyLog` (pinned genesis hash and pinned head) the first time,
 * then only the new entries with `applyEntries` on top of the state already verified in this
 * client. The highest verified head goes to the pin store (never lowered). A log that does not
 * extend what was verified is `MEMBERSHIP_FORK`, a shorter one `MEMBERSHIP_ROLLBACK`; any broken
 * rule or signature is the model's `MEMBERSHIP_*` error. Nothing from a refused answer is used.
 *
 * First contact (no pin for the workspace yet) pins nothing by itself: the log is verified and
 * can be read, but it is pinned only with a fingerprint the user confirmed (`expectFingerprint`,
 * per call or as the client's option), and until then every write — store commits, membership
 * appends — is refused with `MEMBERSHIP_FINGERPRINT_REQUIRED`. A server could otherwise present a
 * look-alike workspace (same id, a copied invitation signature, its own genesis) and collect what
 * the member writes under keys the server controls.
 */
import { API_VERSION } from '../api/common.js';
import {
  LOG_PAGE_MAX,
  appendResponseSchema,
  deleteWorkspaceResponseSchema,
  logResponseSchema,
  workspaceListResponseSchema,
  workspaceResponseSchema,
  type LogResponse,
} from '../api/workspaces.js';
import { identityAddress, safetyNumber, toBase64Url } from '../crypto/index.js';
import { BackboneError, isBackboneError, type ErrorCode } from '../errors.js';
import {
  WorkspaceIdSchema,
  applyEntries,
  createGenesis,
  entryHash,
  verifyLog,
  workspaceFingerprint,
  type LogHead,
  type Member,
  type MembershipEntry,
  type MembershipState,
} from '../workspace/membership-log.js';
import { wipeNamingKey } from '../workspace/naming-key.js';
import type { Permission } from '../workspace/permissions.js';
import type { ClientContext } from './client-context.js';
import type { ClientKeys } from './keys.js';
import { ServerError } from './http.js';

/** Most log entries a client accepts for one workspace (a hostile server could send more). */
export const MAX_LOG_ENTRIES = 1_000_000;
/** Attempts when an append races another administrator (`MEMBERSHIP_CONFLICT`). */
const APPEND_ATTEMPTS = 3;

/** A member as the verified log describes it. */
export interface MemberView {
  name: string;
  /** Identity address (`bb1…`). */
  address: string;
  /** Safety number to compare out of band. */
  safetyNumber: string;
  signPublicKey: string;
  boxPublicKey: string;
  permissions: Permission[];
  /** Sequence number of the entry that admitted the member. */
  addedAt: number;
}

/** A workspace as verified from its membership log. */
export interface VerifiedWorkspace {
  id: string;
  displayName: string;
  created: string;
  /** Workspace fingerprint (12 groups of 5 digits from the genesis hash): compare out of band. */
  fingerprint: string;
  genesisHash: string;
  head: LogHead;
  members: MemberView[];
  /** This identity's membership, if it is a member. */
  you: MemberView | undefined;
  namingKey: { generation: number; rotationPending: boolean };
  /**
   * This client's store pins the workspace (its fingerprint was confirmed here, or it was
   * created here). If false, nothing can be written to it: confirm the fingerprint first.
   */
  confirmed: boolean;
}

/** A workspace as the server lists it (not verified: call `get` for that). */
export interface ListedWorkspace {
  id: string;
  displayName: string;
  fingerprint: string;
  head: LogHead;
  you: { name: string; permissions: Permission[] };
  /** Against this client's pin: `match`, `mismatch` (a fork!) or `none` (never verified here). */
  pin: 'match' | 'mismatch' | 'none';
}

export interface GetWorkspaceOptions {
  /** Workspace id (default: the client's). */
  workspaceId?: string;
  /**
   * The fingerprint (or genesis hash) the user confirmed with an administrator out of band
   * (default: the client's `expectFingerprint` option). On first contact a workspace with another
   * fingerprint is refused (`MEMBERSHIP_FORK`); with the same one it is pinned. Without it a
   * never-pinned workspace is verified and readable but pins nothing and cannot be written to.
   */
  expectFingerprint?: string;
}

export function memberView(member: Member): MemberView {
  return {
    name: member.name,
    address: identityAddress(member.signPk),
    safetyNumber: safetyNumber(member.signPk, member.boxPk),
    signPublicKey: toBase64Url(member.signPk),
    boxPublicKey: toBase64Url(member.boxPk),
    permissions: [...member.permissions],
    addedAt: member.addedAt,
  };
}

/**
 * A refusal of what the server served: its membership log does not verify (fork, rollback,
 * bad signature, broken rule) or its answer contradicts itself. Same codes as the model's errors;
 * the class tells them apart from a refusal of something this client was about to sign.
 */
export class VerificationError extends BackboneError {
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'VerificationError';
  }

  static from(error: unknown): unknown {
    if (error instanceof VerificationError || !isBackboneError(error)) return error;
    return new VerificationError(error.code, error.message, { cause: error });
  }
}

function fork(message: string): BackboneError {
  return new VerificationError(
    'MEMBERSHIP_FORK',
    `${message} This may be an attack: do not use this workspace and tell an administrator.`,
  );
}

/** Whether `given` (human fingerprint, with or without spaces, or the genesis hash) names `genesisHash`. */
export function fingerprintMatches(given: string, genesisHash: string): boolean {
  const human = workspaceFingerprint(genesisHash);
  const normalized = given.trim().replace(/\s+/g, ' ');
  return (
    normalized === genesisHash ||
    normalized === human ||
    normalized.replace(/ /g, '') === human.replace(/ /g, '')
  );
}

/** The refusal of a write to a workspace whose fingerprint was never confirmed on this client. */
export function fingerprintRequired(workspaceId: string): BackboneError {
  return new BackboneError(
    'MEMBERSHIP_FINGERPRINT_REQUIRED',
    `The fingerprint of workspace "${workspaceId}" was not confirmed on this device, so nothing is written to it (a server could present a look-alike). Compare the workspace fingerprint with an administrator, then confirm it: in the CLI "backbone authenticate ${workspaceId} <your name> --fingerprint '<the 60 digits>'", in the SDK the expectFingerprint option, in the app "I compared this fingerprint".`,
  );
}

function invalid(message: string): BackboneError {
  return new VerificationError(
    'SERVER_INVALID_RESPONSE',
    `${message} Nothing from this answer was used.`,
  );
}

export class WorkspaceApi {
  /** Verified states, per server id and workspace id. */
  readonly #states = new Map<string, MembershipState>();
  /**
   * The raw log entries each verified state was made from (kept beside the folded state so an
   * offline copy can be verified again later; see `rawLog`).
   */
  readonly #logs = new WeakMap<MembershipState, readonly unknown[]>();

  constructor(
    private readonly ctx: ClientContext,
    private readonly onCreated?: (workspaceId: string) => void,
  ) {}

  /**
   * Creates a workspace: the genesis entry (this identity becomes ROOT under `username`) is made
   * and signed here, posted, and its hash pinned. Logs in first if needed.
   */
  async create(
    displayName: string,
    options: { workspaceId?: string; username?: string } = {},
  ): Promise<VerifiedWorkspace> {
    const workspaceId = options.workspaceId ?? this.ctx.workspaceId;
    const username = options.username ?? this.ctx.username;
    if (username === undefined) {
      throw new BackboneError('INVALID_ARGUMENT', 'Creating a workspace needs your member name.');
    }
    if (workspaceId !== undefined && !WorkspaceIdSchema.safeParse(workspaceId).success) {
      throw new BackboneError(
        'INVALID_ARGUMENT',
        'A workspace id is 3 to 64 characters of A-Z, a-z, 0-9, "-" and "_", starting with a letter or digit.',
      );
    }
    const keys = await this.ctx.keys();
    const server = await this.ctx.server();
    const genesis = createGenesis({
      displayName,
      creator: {
        name: username,
        signKeyPair: keys.identity.signKeyPair,
        boxPublicKey: keys.identity.boxKeyPair.publicKey,
      },
      ...(workspaceId !== undefined ? { workspaceId } : {}),
    });
    wipeNamingKey(genesis.namingKey);
    const answer = await this.ctx.authorized((token) =>
      this.ctx.http.request('POST', '/v1/workspaces', {
        schema: workspaceResponseSchema,
        body: { v: API_VERSION, genesis: genesis.entry },
        token,
        expect: 201,
      }),
    );
    if (
      answer.workspace.id !== genesis.state.workspaceId ||
      answer.workspace.genesisHash !== genesis.state.genesisHash
    ) {
      throw invalid('The server created another workspace than the one signed here.');
    }
    const id = genesis.state.workspaceId;
    this.#logs.set(genesis.state, [genesis.entry]);
    await this.ctx.store.setWorkspacePin(server.serverId, id, {
      genesisHash: genesis.state.genesisHash,
      head: { ...genesis.state.head },
    });
    this.#states.set(`${server.serverId}/${id}`, genesis.state);
    this.onCreated?.(id);
    return this.#view(genesis.state, keys.address, true);
  }

  /** Fetches and verifies the workspace's membership log; returns what it says. */
  async get(options: GetWorkspaceOptions = {}): Promise<VerifiedWorkspace> {
    const { state, confirmed } = await this.#verified(options);
    return this.#view(state, await this.#address(), confirmed);
  }

  /** The workspace fingerprint (from the verified log). */
  async fingerprint(workspaceId?: string): Promise<string> {
    const state = await this.state(workspaceId === undefined ? {} : { workspaceId });
    return workspaceFingerprint(state.genesisHash);
  }

  /** The workspaces this identity is a member of, as the server lists them (unverified). */
  async list(): Promise<ListedWorkspace[]> {
    const server = await this.ctx.server();
    const answer = await this.ctx.authorized((token) =>
      this.ctx.http.request('GET', '/v1/workspaces', {
        schema: workspaceListResponseSchema,
        token,
        expect: 200,
      }),
    );
    const out: ListedWorkspace[] = [];
    for (const workspace of answer.workspaces) {
      const pin = await this.ctx.store.getWorkspacePin(server.serverId, workspace.id);
      out.push({
        id: workspace.id,
        displayName: workspace.displayName,
        fingerprint: workspaceFingerprint(workspace.genesisHash),
        head: { ...workspace.head },
        you: { name: workspace.you.name, permissions: [...workspace.you.permissions] },
        pin:
          pin === undefined
            ? 'none'
            : pin.genesisHash === workspace.genesisHash
              ? 'match'
              : 'mismatch',
      });
    }
    return out;
  }

  /** Deletes the workspace for good (ROOT only) and forgets its pins. */
  async delete(workspaceId?: string): Promise<{ id: string; deletedAt: string }> {
    const id = this.#requireId(workspaceId);
    const server = await this.ctx.server();
    // Verify first: never act on a workspace whose log does not check out.
    await this.state({ workspaceId: id });
    const answer = await this.ctx.authorized((token) =>
      this.ctx.http.request('DELETE', `/v1/workspaces/${id}`, {
        schema: deleteWorkspaceResponseSchema,
        token,
        expect: 200,
      }),
    );
    if (answer.id !== id) throw invalid('The server deleted another workspace.');
    this.#states.delete(`${server.serverId}/${id}`);
    await this.ctx.store.deleteWorkspacePin(server.serverId, id);
    return { id: answer.id, deletedAt: answer.deletedAt };
  }

  /**
   * The verified membership state (fetches what is new and verifies it). Used by `client.user`;
   * exposed for advanced callers (e.g. to seal something to a member's keys from the log).
   */
  async state(options: GetWorkspaceOptions = {}): Promise<MembershipState> {
    return (await this.#verified(options)).state;
  }

  /** True if this client's store pins the workspace (its fingerprint was confirmed here). */
  async isConfirmed(workspaceId?: string): Promise<boolean> {
    const id = this.#requireId(workspaceId);
    const server = await this.ctx.server();
    return (await this.ctx.store.getWorkspacePin(server.serverId, id)) !== undefined;
  }

  /** Refuses (`MEMBERSHIP_FINGERPRINT_REQUIRED`) unless the workspace is pinned here. */
  async requireConfirmed(workspaceId?: string): Promise<void> {
    const id = this.#requireId(workspaceId);
    if (await this.isConfirmed(id)) return;
    // The client's own expectFingerprint confirms (and pins) on first contact.
    if (this.ctx.expectFingerprint !== undefined) await this.state({ workspaceId: id });
    if (!(await this.isConfirmed(id))) throw fingerprintRequired(id);
  }

  async #verified(
    options: GetWorkspaceOptions,
  ): Promise<{ state: MembershipState; confirmed: boolean }> {
    const id = this.#requireId(options.workspaceId);
    const server = await this.ctx.server();
    const key = `${server.serverId}/${id}`;
    const pin = await this.ctx.store.getWorkspacePin(server.serverId, id);
    const cached = this.#states.get(key);
    const usable =
      cached !== undefined &&
      (pin === undefined ||
        (pin.genesisHash === cached.genesisHash &&
          (pin.head.seq < cached.head.seq ||
            (pin.head.seq === cached.head.seq && pin.head.hash === cached.head.hash))));
    const state = await this.ctx.authorized((token) =>
      usable ? this.#extend(id, cached, token) : this.#verifyFull(id, token, pin),
    );
    // A pinned workspace was verified against its pin; a new one needs the confirmed fingerprint.
    let confirmed = pin !== undefined;
    const expected = options.expectFingerprint ?? this.ctx.expectFingerprint;
    if (!confirmed && expected !== undefined) {
      if (!fingerprintMatches(expected, state.genesisHash)) {
        this.#states.delete(key);
        throw fork(
          'The server presented a workspace whose fingerprint differs from the one you were given.',
        );
      }
      confirmed = true;
    }
    this.#states.set(key, state);
    if (confirmed) await this.#pin(server.serverId, id, state);
    return { state, confirmed };
  }

  /**
   * Appends entries built on the freshly verified state (`build` is called again after a
   * compare-and-swap conflict). The entries are checked by the model as they are made; the
   * server's answer must match them exactly.
   */
  async append(
    build: (state: MembershipState, keys: ClientKeys) => MembershipEntry[],
    workspaceId?: string,
  ): Promise<MembershipState> {
    const id = this.#requireId(workspaceId);
    const keys = await this.ctx.keys();
    const server = await this.ctx.server();
    for (let attempt = 1; ; attempt++) {
      const state = await this.state({ workspaceId: id });
      await this.requireConfirmed(id);
      const entries = build(state, keys);
      const next = applyEntries(state, entries);
      try {
        const answer = await this.ctx.authorized((token) =>
          this.ctx.http.request('POST', `/v1/workspaces/${id}/log`, {
            schema: appendResponseSchema,
            body: { v: API_VERSION, entries },
            token,
            expect: [200, 201],
          }),
        );
        const appendedOk =
          answer.workspaceId === id &&
          answer.appended.length === entries.length &&
          entries.every(
            (entry, i) =>
              answer.appended[i]?.seq === entry.seq &&
              answer.appended[i]?.hash === entryHash(entry),
          ) &&
          answer.head.seq === next.head.seq &&
          answer.head.hash === next.head.hash;
        if (!appendedOk)
          throw invalid('The server did not record the entries as they were signed.');
        this.#remember(next, state, entries);
        this.#states.set(`${server.serverId}/${id}`, next);
        await this.#pin(server.serverId, id, next);
        return next;
      } catch (error) {
        const conflict =
          error instanceof ServerError &&
          error.status === 409 &&
          (error.serverCode === 'MEMBERSHIP_CONFLICT' ||
            error.serverCode === 'MEMBERSHIP_BROKEN_CHAIN');
        if (!conflict || attempt >= APPEND_ATTEMPTS) throw error;
      }
    }
  }

  /**
   * The raw membership log entries (genesis first) that `state` was verified from, if `state`
   * came from this client: what an offline copy keeps to verify it again (`verifyLog`) later.
   */
  rawLog(state: MembershipState): readonly unknown[] | undefined {
    return this.#logs.get(state);
  }

  // -------------------------------------------------------------------------------------------

  /** Records the raw entries of `next` = `previous` + `added`. */
  #remember(next: MembershipState, previous: MembershipState, added: readonly unknown[]): void {
    const before = this.#logs.get(previous);
    if (before !== undefined) {
      this.#logs.set(next, added.length === 0 ? before : [...before, ...added]);
    }
  }

  #requireId(workspaceId?: string): string {
    const id = workspaceId ?? this.ctx.workspaceId;
    if (id === undefined) {
      throw new BackboneError(
        'INVALID_ARGUMENT',
        "No workspace given (set the client's workspace).",
      );
    }
    if (!WorkspaceIdSchema.safeParse(id).success) {
      throw new BackboneError(
        'INVALID_ARGUMENT',
        'A workspace id is 3 to 64 characters of A-Z, a-z, 0-9, "-" and "_", starting with a letter or digit.',
      );
    }
    return id;
  }

  async #address(): Promise<string | undefined> {
    return this.ctx.identityAddress();
  }

  #view(
    state: MembershipState,
    address: string | undefined,
    confirmed: boolean,
  ): VerifiedWorkspace {
    const members = [...state.members.values()]
      .map(memberView)
      .sort((a, b) => a.addedAt - b.addedAt || a.name.localeCompare(b.name));
    return {
      id: state.workspaceId,
      displayName: state.displayName,
      created: state.created,
      fingerprint: workspaceFingerprint(state.genesisHash),
      genesisHash: state.genesisHash,
      head: { ...state.head },
      members,
      you: address === undefined ? undefined : members.find((m) => m.address === address),
      namingKey: {
        generation: state.namingKey.generation,
        rotationPending: state.namingKey.rotationPending,
      },
      confirmed,
    };
  }

  async #page(id: string, from: number, token: string): Promise<LogResponse> {
    const page = await this.ctx.http.request(
      'GET',
      `/v1/workspaces/${id}/log?from=${from}&limit=${LOG_PAGE_MAX}`,
      { schema: logResponseSchema, token, expect: 200 },
    );
    if (page.workspaceId !== id) throw invalid('The server sent the log of another workspace.');
    return page;
  }

  /** Reads every entry from `from` on, page by page. */
  async #readFrom(
    id: string,
    from: number,
    token: string,
  ): Promise<{ entries: unknown[]; head: LogHead }> {
    const entries: unknown[] = [];
    let cursor = from;
    for (;;) {
      const page = await this.#page(id, cursor, token);
      entries.push(...page.entries);
      if (entries.length > MAX_LOG_ENTRIES) throw invalid('The server sent too many log entries.');
      if (page.next === null) return { entries, head: page.head };
      if (page.entries.length === 0 || page.next !== cursor + page.entries.length) {
        throw invalid('The server sent a log page that does not continue where it should.');
      }
      cursor = page.next;
    }
  }

  async #verifyFull(
    id: string,
    token: string,
    pin: { genesisHash: string; head: LogHead } | undefined,
  ): Promise<MembershipState> {
    const { entries, head } = await this.#readFrom(id, 0, token);
    let state: MembershipState;
    try {
      state = verifyLog(entries, {
        ...(pin !== undefined ? { pinnedGenesisHash: pin.genesisHash, pinnedHead: pin.head } : {}),
      });
    } catch (error) {
      throw VerificationError.from(error);
    }
    if (state.workspaceId !== id) throw invalid('The server sent the log of another workspace.');
    this.#checkHead(state, head);
    this.#logs.set(state, entries);
    return state;
  }

  async #extend(id: string, cached: MembershipState, token: string): Promise<MembershipState> {
    const { entries, head } = await this.#readFrom(id, cached.head.seq + 1, token);
    if (head.seq < cached.head.seq) {
      throw new VerificationError(
        'MEMBERSHIP_ROLLBACK',
        `The server’s membership log ends at entry ${head.seq}, but you already verified entry ${cached.head.seq} (a rollback). This may be an attack: do not trust this answer and tell an administrator.`,
      );
    }
    let state: MembershipState;
    try {
      state = applyEntries(cached, entries);
    } catch (error) {
      if (isBackboneError(error, 'MEMBERSHIP_BROKEN_CHAIN')) {
        throw fork(
          `The server’s membership log does not extend the entry ${cached.head.seq} you already verified (a fork).`,
        );
      }
      throw VerificationError.from(error);
    }
    this.#checkHead(state, head);
    this.#remember(state, cached, entries);
    return state;
  }

  /**
   * The head the server declares (with its last page) must be the head of the verified chain:
   * older contradicts the entries, later means it withheld entries (e.g. a removal), a different
   * hash at the same seq is a fork.
   */
  #checkHead(state: MembershipState, head: LogHead): void {
    if (head.seq < state.head.seq) {
      throw invalid('The server described a log head older than the entries it sent.');
    }
    if (head.seq > state.head.seq) {
      throw invalid(
        `The server declared a log head (entry ${head.seq}) later than the entries it sent (up to ${state.head.seq}): it withheld entries.`,
      );
    }
    if (head.seq === state.head.seq && head.hash !== state.head.hash) {
      throw fork('The server described a different log head than the entries it sent (a fork).');
    }
  }

  async #pin(serverId: string, id: string, state: MembershipState): Promise<void> {
    const latest = await this.ctx.store.getWorkspacePin(serverId, id);
    if (latest === undefined || latest.head.seq < state.head.seq) {
      await this.ctx.store.setWorkspacePin(serverId, id, {
        genesisHash: state.genesisHash,
        head: { ...state.head },
      });
    }
  }
}
