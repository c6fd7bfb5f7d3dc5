/**
 * The context every store operation runs in, and the per-operation session that ties records,
 * authority analysis and key chain together.
 */
import {
  constantTimeEqual,
  randomBytes,
  type BoxKeyPair,
  type BoxPublicKey,
  type RandomSource,
  type SignKeyPair,
} from '../crypto/index.js';
import { BackboneError } from '../errors.js';
import type { Member, MembershipState } from '../workspace/membership-log.js';
import { namingKeyCheck, type NamingKey } from '../workspace/naming-key.js';
import { has, type Permission } from '../workspace/permissions.js';
import { analyzeStore, type NamespaceNode, type StoreAuthority } from './access.js';
import { KeyResolver } from './chain.js';
import { fail } from './internal.js';
import { ancestorPaths, normalizePath, pathToken } from './paths.js';
import type { EntryRecord } from './records.js';
import type { SeenVersions } from './seen.js';
import type { StoreRecords } from './store-view.js';

/** The member acting: name and identity keys (they must match the verified membership log). */
export interface StoreActor {
  name: string;
  signKeyPair: SignKeyPair;
  boxKeyPair: BoxKeyPair;
}

export interface StoreContext {
  /** The verified membership state (never a bare server answer). */
  membership: MembershipState;
  actor: StoreActor;
  /** The workspace's current naming key (`memberNamingKey`). */
  namingKey: NamingKey;
  /** Rollback memory; without it replays of older versions cannot be detected. */
  seen?: SeenVersions;
  random?: RandomSource;
  /** Clock for expiry (default: now). */
  now?: () => Date;
}

/** One operation's view: records + authority + key chain, for the acting member. */
export class StoreSession {
  readonly workspaceId: string;
  readonly authority: StoreAuthority;
  readonly resolver: KeyResolver;
  readonly random: RandomSource;
  readonly namingGeneration: number;
  readonly member: Member;

  constructor(
    readonly ctx: StoreContext,
    readonly records: StoreRecords,
  ) {
    const { membership, actor } = ctx;
    this.workspaceId = membership.workspaceId;
    if (records.workspaceId !== this.workspaceId) {
      fail('INVALID_ARGUMENT', 'These store records belong to another workspace.');
    }
    const member = membership.members.get(actor.name);
    if (!member) {
      fail('STORE_FORBIDDEN', 'You are not a member of this workspace (any more).');
    }
    if (
      !constantTimeEqual(member.signPk, actor.signKeyPair.publicKey) ||
      !constantTimeEqual(member.boxPk, actor.boxKeyPair.publicKey)
    ) {
      fail('INVALID_ARGUMENT', 'These identity keys are not the ones of this member in the log.');
    }
    this.member = member;
    this.namingGeneration = membership.namingKey.generation;
    if (
      namingKeyCheck(ctx.namingKey, this.workspaceId, this.namingGeneration) !==
      membership.namingKey.check
    ) {
      fail(
        'NAMING_KEY_INVALID',
        'This is not the workspace’s current naming key. Open it again from the membership log.',
      );
    }
    this.random = ctx.random ?? randomBytes;
    this.authority = analyzeStore(records, membership, { seen: ctx.seen });
    this.resolver = new KeyResolver(this.authority, actor, ctx.seen);
  }

  get actorName(): string {
    return this.ctx.actor.name;
  }

  now(): Date {
    return this.ctx.now?.() ?? new Date();
  }

  /** Requires the actor to hold a membership permission (ROOT implies all). */
  requirePermission(permission: Permission): void {
    if (!has(this.member.permissions, permission)) {
      fail(
        'STORE_FORBIDDEN',
        `You need the ${permission} permission in this workspace for this. Ask an administrator.`,
      );
    }
  }

  token(path: string): string {
    return pathToken(this.ctx.namingKey, path);
  }

  /** A current member's box key from the verified log (never from a server answer). */
  memberBox(name: string): BoxPublicKey {
    const member = this.ctx.membership.members.get(name);
    if (!member) {
      fail('MEMBERSHIP_UNKNOWN_MEMBER', 'This person is not a member of the workspace.');
    }
    return member.boxPk;
  }

  private nodeOf(id: string): NamespaceNode {
    const node = this.authority.node(id);
    if (!node) {
      throw (
        this.authority.namespaceProblem(id) ??
        new BackboneError('STORE_NOT_FOUND', 'This namespace does not exist.')
      );
    }
    return node;
  }

  /**
   * The namespace at exactly `path`, or undefined. If this member can learn the namespace's
   * path, it must be `path` (`STORE_TAMPERED` otherwise: the server answered with another one).
   */
  namespaceAt(path: string): NamespaceNode | undefined {
    const normalized = normalizePath(path);
    const record = this.records.namespaceByToken(this.token(normalized));
    if (!record) return undefined;
    const node = this.nodeOf(record.id);
    const known = this.resolver.tryNamespacePath(record.id);
    if (known !== undefined && known !== normalized) {
      fail('STORE_TAMPERED', 'The server answered with another namespace than the one asked for.');
    }
    return node;
  }

  /** The nearest namespace of a path: its longest proper prefix that is a namespace. */
  nearestNamespace(path: string): NamespaceNode {
    const prefixes = ancestorPaths(path).reverse();
    for (const prefix of prefixes) {
      const node = this.namespaceAt(prefix);
      if (node) return node;
    }
    return fail('STORE_NOT_FOUND', 'This store has no root namespace yet.');
  }

  entryAt(path: string): EntryRecord | undefined {
    return this.records.entryByToken(this.token(normalizePath(path)));
  }
}
