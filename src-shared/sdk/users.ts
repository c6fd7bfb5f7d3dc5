/**
 * `client.user`: invitations and membership changes, all built and checked with the shared
 * membership model and signed by this identity:
 *
 * - `generate(name)`: the invitee's side — an invitation text (`bbinvite1.…`) for the member
 *   name they want, and their fingerprint (safety number) to read to the administrator.
 * - `import(payload, permissions)`: the administrator's side — after comparing the fingerprint,
 *   a `user.add` entry wrapping the current naming key to the invitee's box key.
 * - `modify(name, permissions)`: a `user.permissions` entry.
 * - `delete(name)`: `user.remove` followed by `naming.rotate` (a fresh naming key wrapped to the
 *   remaining members only), appended together.
 * - `list`, `get`, `self`: from the verified log only.
 */
import {
  createEntry,
  createUserAdd,
  createUserRemoval,
  memberBySignKey,
  type AuthorKeys,
  type MembershipState,
} from '../workspace/membership-log.js';
import {
  invitationFingerprint,
  parseInvitation,
  createInvitation,
} from '../workspace/invitation.js';
import { memberNamingKey, wipeNamingKey } from '../workspace/naming-key.js';
import { identityAddress } from '../crypto/index.js';
import { normalizePermissions, type Permission } from '../workspace/permissions.js';
import { BackboneError } from '../errors.js';
import type { ClientContext } from './client-context.js';
import type { ClientKeys } from './keys.js';
import { memberView, type MemberView, type WorkspaceApi } from './workspaces.js';

/** What the store cleanup after a removal did (see `NamespaceApi.cleanupAfterRemoval`). */
export interface StoreCleanup {
  /** Records moved to their new tokens. */
  retokenized: number;
  /** Paths whose grants to the former member were revoked (keys rotated). */
  revoked: string[];
  /** Records this administrator cannot reach (isolated namespaces of others): left to them. */
  unreachable: number;
}

/** Default permissions of an imported member. */
export const DEFAULT_MEMBER_PERMISSIONS: readonly Permission[] = ['STORE_USE'];

export interface GeneratedInvitation {
  /** The member name asked for. */
  name: string;
  /** The invitation text to hand to an administrator. */
  invitation: string;
  /** Your safety number: the administrator compares it with what they see. */
  fingerprint: string;
  /** Your identity address. */
  address: string;
}

export interface InvitationSummary {
  name: string;
  fingerprint: string;
  address: string;
}

function author(state: MembershipState, keys: ClientKeys): AuthorKeys {
  const me = memberBySignKey(state, keys.identity.signKeyPair.publicKey);
  if (!me) {
    throw new BackboneError(
      'FORBIDDEN',
      'You are not a member of this workspace (any more), so you cannot change its members.',
    );
  }
  return { name: me.name, signKeyPair: keys.identity.signKeyPair };
}

export class UserApi {
  constructor(
    private readonly ctx: ClientContext,
    private readonly workspaces: WorkspaceApi,
    /**
     * Runs after a member was removed (and the naming key rotated): moves the store's records to
     * their new tokens and revokes every grant the former member held (the store's
     * `cleanupAfterRemoval`), so removal from the workspace is real revocation.
     */
    private readonly afterRemoval?: (name: string) => Promise<StoreCleanup>,
  ) {}

  /** Makes an invitation for `name` (default: the client's username). No server involved. */
  async generate(name?: string): Promise<GeneratedInvitation> {
    const wanted = name ?? this.ctx.username;
    if (wanted === undefined) {
      throw new BackboneError('INVALID_ARGUMENT', 'An invitation needs the member name you want.');
    }
    const keys = await this.ctx.keys();
    const invitation = createInvitation(keys.identity, wanted);
    return {
      name: wanted,
      invitation,
      fingerprint: keys.safetyNumber,
      address: keys.address,
    };
  }

  /** Reads an invitation (checks its signature) without importing it: show this to the admin. */
  inspect(payload: string): InvitationSummary {
    const invitation = parseInvitation(payload);
    return {
      name: invitation.name,
      fingerprint: invitationFingerprint(invitation),
      address: identityAddress(invitation.signPk),
    };
  }

  /**
   * Adds the member of an invitation (compare its fingerprint out of band first) with
   * `permissions` (default STORE_USE). Needs USER_MANAGE (or ROOT) and at least the granted
   * permissions.
   */
  async import(
    payload: string,
    permissions: Iterable<string> = DEFAULT_MEMBER_PERMISSIONS,
  ): Promise<MemberView> {
    const invitation = parseInvitation(payload);
    const wanted = normalizePermissions(permissions);
    const state = await this.workspaces.append((current, keys) => {
      const me = author(current, keys);
      const { key } = memberNamingKey(current, me.name, keys.identity.boxKeyPair);
      try {
        return [
          createUserAdd(current, { invitation, permissions: wanted, namingKey: key, author: me }),
        ];
      } finally {
        wipeNamingKey(key);
      }
    });
    return this.#member(state, invitation.name);
  }

  /** Every current member, from the verified log. */
  async list(): Promise<MemberView[]> {
    const state = await this.workspaces.state();
    return [...state.members.values()]
      .map(memberView)
      .sort((a, b) => a.addedAt - b.addedAt || a.name.localeCompare(b.name));
  }

  /** One member, from the verified log (`MEMBERSHIP_UNKNOWN_MEMBER` if not a member). */
  async get(name: string): Promise<MemberView> {
    return this.#member(await this.workspaces.state(), name);
  }

  /** This identity's membership, from the verified log. */
  async self(): Promise<MemberView> {
    const state = await this.workspaces.state();
    const address = this.ctx.identityAddress() ?? (await this.ctx.keys()).address;
    for (const member of state.members.values()) {
      if (identityAddress(member.signPk) === address) return memberView(member);
    }
    throw new BackboneError(
      'MEMBERSHIP_UNKNOWN_MEMBER',
      'You are not a member of this workspace (per its verified membership log).',
    );
  }

  /** Sets a member's permissions (replaces the whole set). */
  async modify(name: string, permissions: Iterable<string>): Promise<MemberView> {
    const wanted = normalizePermissions(permissions);
    const state = await this.workspaces.append((current, keys) => [
      createEntry(
        current,
        'user.permissions',
        { name, permissions: wanted },
        author(current, keys),
      ),
    ]);
    return this.#member(state, name);
  }

  /**
   * Removes a member and rotates the naming key to the remaining members (one append, all or
   * nothing). Removing yourself leaves the rotation to another administrator.
   */
  async delete(
    name: string,
  ): Promise<{ removed: string; namingKeyGeneration: number; store?: StoreCleanup }> {
    const state = await this.workspaces.append((current, keys) => {
      const removal = createUserRemoval(current, name, author(current, keys));
      if (removal.namingKey) wipeNamingKey(removal.namingKey);
      return removal.entries;
    });
    const removed = { removed: name, namingKeyGeneration: state.namingKey.generation };
    if (!this.afterRemoval) return removed;
    return { ...removed, store: await this.afterRemoval(name) };
  }

  #member(state: MembershipState, name: string): MemberView {
    const member = state.members.get(name);
    if (!member) {
      throw new BackboneError(
        'MEMBERSHIP_UNKNOWN_MEMBER',
        `"${name}" is not a member of this workspace.`,
      );
    }
    return memberView(member);
  }
}
