/**
 * Test helpers for the store tests (not used by application code): people with identities, a
 * workspace membership log kept in step, and a `StoreView` standing in for the server.
 */
import { deriveIdentity, randomBytes, rootSecret, toHex, type Identity } from '../crypto/index.js';
import { createInvitation, parseInvitation, type Invitation } from '../workspace/invitation.js';
import {
  applyEntry,
  createEntry,
  createGenesis,
  createUserAdd,
  createUserRemoval,
  type MembershipState,
} from '../workspace/membership-log.js';
import { memberNamingKey } from '../workspace/naming-key.js';
import type { Permission } from '../workspace/permissions.js';
import type { StoreActor, StoreContext } from './context.js';
import { parseRotationBundle, type RotationBundle, type StoreChange } from './records.js';
import { verifyRotationBundle } from './rotation.js';
import { SeenVersions } from './seen.js';
import { StoreView } from './store-view.js';

export interface Person {
  name: string;
  identity: Identity;
  actor: StoreActor;
  invitation: Invitation;
  seen: SeenVersions;
}

export function person(name: string): Person {
  const identity = deriveIdentity(rootSecret(randomBytes(32)));
  return {
    name,
    identity,
    actor: { name, signKeyPair: identity.signKeyPair, boxKeyPair: identity.boxKeyPair },
    invitation: parseInvitation(createInvitation(identity, name)),
    seen: new SeenVersions(),
  };
}

/** A workspace (membership log + store) with `creator` as ROOT. */
export class World {
  state: MembershipState;
  view: StoreView;

  constructor(readonly creator: Person) {
    const genesis = createGenesis({
      displayName: 'Store tests',
      workspaceId: `ws${toHex(randomBytes(8))}`,
      creator: {
        name: creator.name,
        signKeyPair: creator.identity.signKeyPair,
        boxPublicKey: creator.identity.boxKeyPair.publicKey,
      },
    });
    this.state = genesis.state;
    this.view = new StoreView(this.state.workspaceId);
  }

  get workspaceId(): string {
    return this.state.workspaceId;
  }

  add(who: Person, permissions: Permission[]): void {
    const { key } = memberNamingKey(
      this.state,
      this.creator.name,
      this.creator.identity.boxKeyPair,
    );
    const entry = createUserAdd(this.state, {
      invitation: who.invitation,
      permissions,
      namingKey: key,
      author: { name: this.creator.name, signKeyPair: this.creator.identity.signKeyPair },
    });
    this.state = applyEntry(this.state, entry);
  }

  setPermissions(who: Person, permissions: Permission[]): void {
    const entry = createEntry(
      this.state,
      'user.permissions',
      { name: who.name, permissions },
      {
        name: this.creator.name,
        signKeyPair: this.creator.identity.signKeyPair,
      },
    );
    this.state = applyEntry(this.state, entry);
  }

  /** Removes a member from the workspace (and rotates the naming key). */
  remove(who: Person): void {
    const removal = createUserRemoval(this.state, who.name, {
      name: this.creator.name,
      signKeyPair: this.creator.identity.signKeyPair,
    });
    this.state = removal.state;
  }

  /** The context of `who` with its own rollback memory; `seen: false` for none. */
  ctx(who: Person, options: { seen?: boolean; now?: Date } = {}): StoreContext {
    const { key } = memberNamingKey(this.state, who.name, who.identity.boxKeyPair);
    return {
      membership: this.state,
      actor: who.actor,
      namingKey: key,
      ...(options.seen === false ? {} : { seen: who.seen }),
      ...(options.now ? { now: () => options.now! } : {}),
    };
  }

  /** Commits a change set or a rotation bundle to the "server". */
  commit(change: StoreChange | RotationBundle | { change: StoreChange }): void {
    if ('sig' in change && 'reason' in change) {
      const bundle = verifyRotationBundle(parseRotationBundle(change), this.state);
      this.view.apply(bundle.change);
      return;
    }
    this.view.apply('put' in change ? change : change.change);
  }
}
