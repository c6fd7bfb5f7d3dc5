/**
 * The workspace membership log (docs/design.md §3): a hash-chained log of signed entries that says
 * who is a member, with which keys and permissions, and which naming key generation is current.
 * The server checks these rules before it appends (compare-and-swap on `prev`); every client
 * re-checks the whole log (or every new entry on top of its verified state) and pins the genesis
 * hash and the head it saw. The full specification, with the reasoning behind each rule, is
 * `docs/membership.md`.
 *
 * Entry (JSON, binary as base64url without padding), format version 1:
 *
 *     { v: 1, workspace, seq, prev, type, body, author, sig }
 *
 * - `seq`: 0 for genesis, then +1 per entry. `prev`: hash of the previous entry; for genesis, 32
 *   zero bytes (`AAAA…A`, always present so every entry has the same shape).
 * - entry hash = BLAKE2b-256("backbone/membership.hash/v1\n" ‖ JCS(entry including sig)).
 * - `sig` = Ed25519 by the author's identity key over the signed statement of kind
 *   `membership.entry`, version `v`, body `{workspace, seq, prev, type, author, body}`, i.e. over
 *   `"backbone/membership.entry/v1\n" ‖ JCS(that body)`. It binds the workspace id, the position
 *   and the previous entry, so an entry cannot be replayed in another workspace or position.
 */
import { z } from 'zod';
import {
  base32Encode,
  blake2b,
  canonicalJson,
  concatBytes,
  fromBase64Url,
  identityAddress,
  randomBytes,
  safetyNumber,
  signStatement,
  statementSigningBytes,
  toBase64Url,
  utf8,
  verifyDetached,
  type BoxPublicKey,
  type RandomSource,
  type SignKeyPair,
  type SignPublicKey,
} from '../crypto/index.js';
import { BackboneError, type ErrorCode } from '../errors.js';
import { MemberNameSchema, verifyInvitationSignature, type Invitation } from './invitation.js';
import {
  generateNamingKey,
  namingKey as brandNamingKey,
  namingKeyCheck,
  namingRotationBody,
  wrapNamingKey,
  type NamingKey,
} from './naming-key.js';
import {
  PermissionSetSchema,
  has,
  normalizePermissions,
  samePermissions,
  subset,
  type Permission,
} from './permissions.js';

export { MemberNameSchema, MEMBER_NAME_PATTERN, isMemberName } from './invitation.js';

export const MEMBERSHIP_ENTRY_VERSION = 1;
export const MEMBERSHIP_ENTRY_KIND = 'membership.entry';
const HASH_DOMAIN = 'backbone/membership.hash/v1\n';
const FINGERPRINT_DOMAIN = 'backbone/workspace-fingerprint/v1\n';
const HASH_LENGTH = 32;
/** `prev` of the genesis entry: 32 zero bytes. */
export const GENESIS_PREV = toBase64Url(new Uint8Array(HASH_LENGTH));

export const ENTRY_TYPES = [
  'genesis',
  'user.add',
  'user.permissions',
  'user.remove',
  'naming.rotate',
] as const;
export type EntryType = (typeof ENTRY_TYPES)[number];

// ---------------------------------------------------------------------------------------------
// Schemas

function base64Bytes(length: number) {
  return z
    .string()
    .length(Math.ceil((length * 4) / 3))
    .regex(/^[A-Za-z0-9_-]+$/)
    .refine(
      (text) => {
        try {
          return fromBase64Url(text).length === length;
        } catch {
          return false;
        }
      },
      { message: 'not canonical base64url' },
    );
}

const Key32 = base64Bytes(32);
const Hash32 = base64Bytes(HASH_LENGTH);
const Signature = base64Bytes(64);
/** A naming key sealed to a member: 32 + 48 bytes. */
const WrappedKey = base64Bytes(80);

/**
 * Workspace ids: 3..64 characters of base64url's alphabet, starting with a letter or digit — a
 * short name people type (`acme`) or, by default, 16 random bytes.
 */
export const WorkspaceIdSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{2,63}$/);
/** Workspace display names: 1..100 characters, no control characters, no outer spaces. */
export const WorkspaceDisplayNameSchema = z
  .string()
  .min(1)
  .max(100)
  .refine((text) => text.trim() === text && !/\p{Cc}/u.test(text), {
    message: 'no control characters or leading/trailing spaces',
  });

export const GenesisBodySchema = z.strictObject({
  /** Workspace display name. */
  name: WorkspaceDisplayNameSchema,
  created: z.iso.datetime(),
  creator: z.strictObject({ name: MemberNameSchema, sign: Key32, box: Key32 }),
  namingKey: z.strictObject({ generation: z.literal(1), check: Hash32, wrapped: WrappedKey }),
});
export const UserAddBodySchema = z.strictObject({
  name: MemberNameSchema,
  sign: Key32,
  box: Key32,
  permissions: PermissionSetSchema,
  /** The current naming key generation, sealed to `box`. */
  namingKey: WrappedKey,
  /** The invitee's invitation signature over `{name, sign, box}` (see invitation.ts). */
  invitation: Signature,
});
export const UserPermissionsBodySchema = z.strictObject({
  name: MemberNameSchema,
  permissions: PermissionSetSchema,
});
export const UserRemoveBodySchema = z.strictObject({ name: MemberNameSchema });
export const NamingRotateBodySchema = z.strictObject({
  generation: z.number().int().min(2).max(Number.MAX_SAFE_INTEGER),
  check: Hash32,
  /** Member name → the new naming key sealed to that member; exactly the current members. */
  keys: z.record(MemberNameSchema, WrappedKey),
});

export type GenesisBody = z.infer<typeof GenesisBodySchema>;
export type UserAddBody = z.infer<typeof UserAddBodySchema>;
export type UserPermissionsBody = z.infer<typeof UserPermissionsBodySchema>;
export type UserRemoveBody = z.infer<typeof UserRemoveBodySchema>;
export type NamingRotateBody = z.infer<typeof NamingRotateBodySchema>;

function entrySchema<T extends EntryType, B extends z.ZodType>(type: T, body: B) {
  return z.strictObject({
    v: z.literal(MEMBERSHIP_ENTRY_VERSION),
    workspace: WorkspaceIdSchema,
    seq: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
    prev: Hash32,
    type: z.literal(type),
    body,
    author: MemberNameSchema,
    sig: Signature,
  });
}

/** Shape of any membership entry (`parseMembershipEntry` adds the version check). */
export const MembershipEntrySchema = z.discriminatedUnion('type', [
  entrySchema('genesis', GenesisBodySchema),
  entrySchema('user.add', UserAddBodySchema),
  entrySchema('user.permissions', UserPermissionsBodySchema),
  entrySchema('user.remove', UserRemoveBodySchema),
  entrySchema('naming.rotate', NamingRotateBodySchema),
]);
export type MembershipEntry = z.infer<typeof MembershipEntrySchema>;
export type EntryBody<T extends EntryType> = Extract<MembershipEntry, { type: T }>['body'];
/** Entry types that follow genesis. */
export type LaterEntryType = Exclude<EntryType, 'genesis'>;

// ---------------------------------------------------------------------------------------------
// State

export interface LogHead {
  seq: number;
  /** Entry hash, base64url (43 characters). */
  hash: string;
}

export interface Member {
  name: string;
  signPk: SignPublicKey;
  boxPk: BoxPublicKey;
  permissions: readonly Permission[];
  /** seq of the entry that (last) admitted the member. */
  addedAt: number;
  /** The current naming key generation sealed to `boxPk` (base64url). */
  wrappedNamingKey: string;
}

export interface MembershipState {
  workspaceId: string;
  displayName: string;
  created: string;
  /** Hash of the genesis entry (base64url): the workspace fingerprint; pin it. */
  genesisHash: string;
  head: LogHead;
  members: ReadonlyMap<string, Member>;
  namingKey: {
    generation: number;
    check: string;
    /** True after a `user.remove` until the next `naming.rotate`: only those two may follow. */
    rotationPending: boolean;
  };
  /**
   * Every identity ever admitted, removed ones included: a name stays bound to its keys for the
   * life of the workspace (name → base64url keys; key → name).
   */
  identities: ReadonlyMap<string, { sign: string; box: string }>;
  keyOwners: ReadonlyMap<string, string>;
}

interface Draft {
  workspaceId: string;
  displayName: string;
  created: string;
  genesisHash: string;
  head: LogHead;
  members: Map<string, Member>;
  namingKey: MembershipState['namingKey'];
  identities: Map<string, { sign: string; box: string }>;
  keyOwners: Map<string, string>;
}

function cloneState(state: MembershipState): Draft {
  return {
    ...state,
    members: new Map(state.members),
    identities: new Map(state.identities),
    keyOwners: new Map(state.keyOwners),
  };
}

// ---------------------------------------------------------------------------------------------
// Helpers

function fail(code: ErrorCode, message: string, cause?: unknown): never {
  throw new BackboneError(code, message, cause === undefined ? undefined : { cause });
}

/** The hash of an entry: BLAKE2b-256("backbone/membership.hash/v1\n" ‖ JCS(entry)), base64url. */
export function entryHash(entry: MembershipEntry): string {
  return toBase64Url(blake2b(concatBytes(utf8(HASH_DOMAIN), utf8(canonicalJson(entry)))));
}

function signedBody(entry: Omit<MembershipEntry, 'v' | 'sig'>) {
  return {
    workspace: entry.workspace,
    seq: entry.seq,
    prev: entry.prev,
    type: entry.type,
    author: entry.author,
    body: entry.body,
  };
}

/** The bytes the author signs (`"backbone/membership.entry/v1\n" ‖ JCS(signed body)`). */
export function entrySigningBytes(entry: Omit<MembershipEntry, 'sig'>): Uint8Array {
  return statementSigningBytes(MEMBERSHIP_ENTRY_KIND, entry.v, signedBody(entry));
}

/**
 * Checks the shape of an untrusted entry. Throws `UNSUPPORTED_VERSION` for another format
 * version and `MEMBERSHIP_INVALID` for anything malformed. Does not check signature or rules.
 */
export function parseMembershipEntry(value: unknown): MembershipEntry {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const version = (value as { v?: unknown }).v;
    if (typeof version === 'number' && version !== MEMBERSHIP_ENTRY_VERSION) {
      fail(
        'UNSUPPORTED_VERSION',
        `This membership log entry has format version ${version}; this app understands version ${MEMBERSHIP_ENTRY_VERSION}. Update Backbone if it is newer.`,
      );
    }
    const type = (value as { type?: unknown }).type;
    if (typeof type === 'string' && !(ENTRY_TYPES as readonly string[]).includes(type)) {
      fail(
        'MEMBERSHIP_INVALID',
        `The membership log has an entry of unknown type "${type.slice(0, 40)}".`,
      );
    }
  }
  const parsed = MembershipEntrySchema.safeParse(value);
  if (!parsed.success) {
    const where = parsed.error.issues[0]?.path.join('.') || 'entry';
    fail('MEMBERSHIP_INVALID', `A membership log entry is malformed (${where}).`);
  }
  // What is verified and hashed must be exactly what was received: refuse anything the schema
  // would silently drop or change (zod drops a "__proto__" key from records, for instance).
  let same: boolean;
  try {
    same = canonicalJson(parsed.data) === canonicalJson(value);
  } catch {
    same = false;
  }
  if (!same)
    fail('MEMBERSHIP_INVALID', 'A membership log entry contains data that does not belong.');
  return parsed.data;
}

function keyBytes(text: string): Uint8Array {
  return fromBase64Url(text); // already checked by the schema: canonical, 32 bytes
}

function verifySignature(entry: MembershipEntry, signPk: SignPublicKey): void {
  const sig = fromBase64Url(entry.sig);
  if (!verifyDetached(sig, entrySigningBytes(entry), signPk)) {
    fail(
      'MEMBERSHIP_BAD_SIGNATURE',
      `Membership log entry ${entry.seq} (${entry.type}) is not validly signed by "${entry.author}": it was changed or forged. Do not trust this server's answer.`,
    );
  }
}

function rootCount(members: ReadonlyMap<string, Member>): number {
  let count = 0;
  for (const member of members.values()) if (member.permissions.includes('ROOT')) count++;
  return count;
}

// ---------------------------------------------------------------------------------------------
// Verification

/** Verifies a genesis entry on its own and returns the state it creates. */
export function verifyGenesis(value: unknown): MembershipState {
  const entry = parseMembershipEntry(value);
  if (entry.type !== 'genesis') {
    fail('MEMBERSHIP_INVALID', 'A membership log must start with a genesis entry.');
  }
  if (entry.seq !== 0 || entry.prev !== GENESIS_PREV) {
    fail('MEMBERSHIP_BROKEN_CHAIN', 'The genesis entry must have seq 0 and an all-zero prev.');
  }
  const { body } = entry;
  if (entry.author !== body.creator.name) {
    fail('MEMBERSHIP_INVALID', 'The genesis entry must be authored by the workspace creator.');
  }
  const signPk = keyBytes(body.creator.sign) as SignPublicKey;
  const boxPk = keyBytes(body.creator.box) as BoxPublicKey;
  verifySignature(entry, signPk);
  const hash = entryHash(entry);
  const creator: Member = {
    name: body.creator.name,
    signPk,
    boxPk,
    permissions: ['ROOT'],
    addedAt: 0,
    wrappedNamingKey: body.namingKey.wrapped,
  };
  return {
    workspaceId: entry.workspace,
    displayName: body.name,
    created: body.created,
    genesisHash: hash,
    head: { seq: 0, hash },
    members: new Map([[creator.name, creator]]),
    namingKey: { generation: 1, check: body.namingKey.check, rotationPending: false },
    identities: new Map([[creator.name, { sign: body.creator.sign, box: body.creator.box }]]),
    keyOwners: new Map([
      [`sign:${body.creator.sign}`, creator.name],
      [`box:${body.creator.box}`, creator.name],
    ]),
  };
}

function forbidden(message: string): never {
  fail('MEMBERSHIP_FORBIDDEN', message);
}

/** Applies one later entry to a draft (mutates it; callers discard the draft on error). */
function applyToDraft(draft: Draft, value: unknown): void {
  const entry = parseMembershipEntry(value);
  if (entry.workspace !== draft.workspaceId) {
    fail(
      'MEMBERSHIP_WRONG_WORKSPACE',
      'This membership log entry belongs to another workspace. Do not trust this server’s answer.',
    );
  }
  if (entry.type === 'genesis') {
    fail('MEMBERSHIP_INVALID', 'A membership log has exactly one genesis entry, at the start.');
  }
  if (entry.seq !== draft.head.seq + 1 || entry.prev !== draft.head.hash) {
    fail(
      'MEMBERSHIP_BROKEN_CHAIN',
      `Membership log entry ${entry.seq} does not follow entry ${draft.head.seq}: an entry is missing, out of order or changed. Do not trust this server’s answer.`,
    );
  }
  const author = draft.members.get(entry.author);
  if (!author) {
    const wasMember = draft.identities.has(entry.author);
    forbidden(
      wasMember
        ? `"${entry.author}" was removed from this workspace and can no longer change it.`
        : `"${entry.author}" is not a member of this workspace and cannot change it.`,
    );
  }
  verifySignature(entry, author.signPk);

  // Rules (docs/membership.md, "Rules"). The signature is valid from here on.
  if (!has(author.permissions, 'USER_MANAGE')) {
    forbidden(
      `"${author.name}" needs ROOT or USER_MANAGE to change the members of this workspace.`,
    );
  }
  const authorIsRoot = author.permissions.includes('ROOT');
  if (
    draft.namingKey.rotationPending &&
    entry.type !== 'user.remove' &&
    entry.type !== 'naming.rotate'
  ) {
    fail(
      'MEMBERSHIP_ROTATION_REQUIRED',
      'A member was removed: the workspace naming key must be rotated before anything else changes.',
    );
  }
  /** A non-ROOT administrator acts only on members no more powerful than itself. */
  const requireDominates = (target: Member): void => {
    if (authorIsRoot) return;
    if (target.permissions.includes('ROOT')) {
      forbidden(`Only a ROOT member can change or remove the ROOT member "${target.name}".`);
    }
    if (!subset(target.permissions, author.permissions)) {
      forbidden(
        `"${author.name}" cannot change or remove "${target.name}", who holds permissions "${author.name}" does not hold.`,
      );
    }
  };
  const requireCanGrant = (permissions: readonly Permission[]): void => {
    if (subset(permissions, author.permissions)) return;
    forbidden(
      permissions.includes('ROOT')
        ? 'Only a ROOT member can grant ROOT.'
        : `"${author.name}" cannot grant permissions it does not hold itself.`,
    );
  };
  const requireMember = (name: string): Member => {
    const member = draft.members.get(name);
    if (!member) fail('MEMBERSHIP_INVALID', `"${name}" is not a member of this workspace.`);
    return member;
  };
  const requireRootRemains = (): void => {
    if (rootCount(draft.members) === 0) {
      forbidden('At least one ROOT member must remain in the workspace.');
    }
  };

  switch (entry.type) {
    case 'user.add': {
      const { body } = entry;
      if (draft.members.has(body.name)) {
        fail('MEMBERSHIP_INVALID', `"${body.name}" is already a member of this workspace.`);
      }
      const previous = draft.identities.get(body.name);
      if (previous && (previous.sign !== body.sign || previous.box !== body.box)) {
        fail(
          'MEMBERSHIP_INVALID',
          `The name "${body.name}" belonged to another identity in this workspace; choose another name.`,
        );
      }
      for (const key of [`sign:${body.sign}`, `box:${body.box}`]) {
        const owner = draft.keyOwners.get(key);
        if (owner !== undefined && owner !== body.name) {
          fail(
            'MEMBERSHIP_INVALID',
            `This identity is already known in this workspace as "${owner}"; it cannot be added under another name.`,
          );
        }
      }
      requireCanGrant(body.permissions);
      const signPk = keyBytes(body.sign) as SignPublicKey;
      const boxPk = keyBytes(body.box) as BoxPublicKey;
      if (!verifyInvitationSignature(body.name, signPk, boxPk, body.invitation)) {
        fail(
          'MEMBERSHIP_BAD_SIGNATURE',
          `The invitation of "${body.name}" in entry ${entry.seq} is not signed by that identity: its keys or name were changed.`,
        );
      }
      draft.members.set(body.name, {
        name: body.name,
        signPk,
        boxPk,
        permissions: body.permissions,
        addedAt: entry.seq,
        wrappedNamingKey: body.namingKey,
      });
      draft.identities.set(body.name, { sign: body.sign, box: body.box });
      draft.keyOwners.set(`sign:${body.sign}`, body.name);
      draft.keyOwners.set(`box:${body.box}`, body.name);
      break;
    }
    case 'user.permissions': {
      const { body } = entry;
      const target = requireMember(body.name);
      if (samePermissions(target.permissions, body.permissions)) {
        fail('MEMBERSHIP_INVALID', `"${body.name}" already has exactly these permissions.`);
      }
      requireDominates(target);
      requireCanGrant(body.permissions);
      draft.members.set(body.name, { ...target, permissions: body.permissions });
      requireRootRemains();
      break;
    }
    case 'user.remove': {
      const target = requireMember(entry.body.name);
      requireDominates(target);
      draft.members.delete(target.name);
      requireRootRemains();
      draft.namingKey = { ...draft.namingKey, rotationPending: true };
      break;
    }
    case 'naming.rotate': {
      const { body } = entry;
      if (body.generation !== draft.namingKey.generation + 1) {
        fail(
          'MEMBERSHIP_INVALID',
          `A naming key rotation must make generation ${draft.namingKey.generation + 1}, not ${body.generation}.`,
        );
      }
      const wrapped = new Map(Object.entries(body.keys));
      if (wrapped.size !== draft.members.size) {
        fail(
          'MEMBERSHIP_INVALID',
          'A naming key rotation must wrap the new key for exactly the current members.',
        );
      }
      for (const [name, member] of draft.members) {
        const key = wrapped.get(name);
        if (key === undefined) {
          fail('MEMBERSHIP_INVALID', `A naming key rotation left out the member "${name}".`);
        }
        draft.members.set(name, { ...member, wrappedNamingKey: key });
      }
      draft.namingKey = { generation: body.generation, check: body.check, rotationPending: false };
      break;
    }
  }
  draft.head = { seq: entry.seq, hash: entryHash(entry) };
}

/**
 * Verifies one entry on top of a verified state (signature, chain, rules) and returns the new
 * state; `state` itself is left unchanged. Throws `UNSUPPORTED_VERSION` or `MEMBERSHIP_*`.
 */
export function applyEntry(state: MembershipState, entry: unknown): MembershipState {
  const draft = cloneState(state);
  applyToDraft(draft, entry);
  return draft;
}

/** Applies several entries in order on top of a verified state (all or nothing). */
export function applyEntries(state: MembershipState, entries: readonly unknown[]): MembershipState {
  const draft = cloneState(state);
  for (const entry of entries) applyToDraft(draft, entry);
  return draft;
}

export interface VerifyLogOptions {
  /** The genesis hash pinned when the workspace was first seen (after an out-of-band check). */
  pinnedGenesisHash?: string;
  /** The latest head this client verified: the log must extend it. */
  pinnedHead?: LogHead;
}

function checkPin(pin: LogHead): void {
  if (
    typeof pin !== 'object' ||
    pin === null ||
    !Number.isSafeInteger(pin.seq) ||
    pin.seq < 0 ||
    !Hash32.safeParse(pin.hash).success
  ) {
    fail('INVALID_ARGUMENT', 'A pinned membership log head must be {seq ≥ 0, hash (base64url)}.');
  }
}

/**
 * Verifies a whole membership log from genesis and returns its state. With pins, refuses a log
 * whose genesis differs (`MEMBERSHIP_FORK`), that has another entry at the pinned seq
 * (`MEMBERSHIP_FORK`) or that stops before the pinned seq (`MEMBERSHIP_ROLLBACK`).
 */
export function verifyLog(
  entries: readonly unknown[],
  options: VerifyLogOptions = {},
): MembershipState {
  const { pinnedGenesisHash, pinnedHead } = options;
  if (pinnedHead !== undefined) checkPin(pinnedHead);
  if (!Array.isArray(entries) || entries.length === 0) {
    fail('MEMBERSHIP_INVALID', 'The membership log is empty: it must start with a genesis entry.');
  }
  const genesis = verifyGenesis(entries[0]);
  if (pinnedGenesisHash !== undefined && genesis.genesisHash !== pinnedGenesisHash) {
    fail(
      'MEMBERSHIP_FORK',
      'The server presented a different workspace than the one you pinned (the workspace fingerprint differs). This may be an attack: do not use this workspace and tell an administrator.',
    );
  }
  const forkAt = (seq: number): never =>
    fail(
      'MEMBERSHIP_FORK',
      `The server’s membership log differs from the one you already verified at entry ${seq} (a fork). This may be an attack: do not use this workspace and tell an administrator.`,
    );
  const draft = cloneState(genesis);
  if (pinnedHead?.seq === 0 && draft.head.hash !== pinnedHead.hash) forkAt(0);
  for (let i = 1; i < entries.length; i++) {
    applyToDraft(draft, entries[i]);
    if (pinnedHead?.seq === draft.head.seq && draft.head.hash !== pinnedHead.hash) {
      forkAt(draft.head.seq);
    }
  }
  if (pinnedHead && draft.head.seq < pinnedHead.seq) {
    fail(
      'MEMBERSHIP_ROLLBACK',
      `The server’s membership log ends at entry ${draft.head.seq}, but you already verified entry ${pinnedHead.seq} (a rollback). This may be an attack: do not trust this answer and tell an administrator.`,
    );
  }
  return draft;
}

// ---------------------------------------------------------------------------------------------
// Creating entries

/** The author of an entry: member name and identity signing key pair. */
export interface AuthorKeys {
  name: string;
  signKeyPair: SignKeyPair;
}

function signEntry<T extends EntryType>(
  unsigned: { workspace: string; seq: number; prev: string; type: T; body: EntryBody<T> },
  author: AuthorKeys,
): MembershipEntry {
  const fields = { ...unsigned, author: author.name };
  const statement = signStatement(
    MEMBERSHIP_ENTRY_KIND,
    MEMBERSHIP_ENTRY_VERSION,
    signedBody(fields as Omit<MembershipEntry, 'v' | 'sig'>),
    author.signKeyPair,
  );
  const { workspace, seq, prev, type, author: name, body } = statement.body;
  return {
    v: MEMBERSHIP_ENTRY_VERSION,
    workspace,
    seq,
    prev,
    type,
    body,
    author: name,
    sig: statement.sig,
  } as MembershipEntry;
}

export interface GenesisOptions {
  displayName: string;
  creator: AuthorKeys & { boxPublicKey: BoxPublicKey };
  /** Default: 16 random bytes, base64url. */
  workspaceId?: string;
  /** Default: now. */
  created?: Date | string;
  /** Default: a fresh random naming key. */
  namingKey?: NamingKey;
  random?: RandomSource;
}

/**
 * Creates a workspace: the genesis entry (the creator becomes ROOT) with the first naming key
 * wrapped to the creator. Returns the entry, its verified state and the naming key (wipe it when
 * done; it can be unwrapped from the log again).
 */
export function createGenesis(options: GenesisOptions): {
  entry: MembershipEntry;
  state: MembershipState;
  namingKey: NamingKey;
} {
  const random = options.random ?? randomBytes;
  // Default: 16 random bytes in lowercase base32 (26 characters, always a valid id).
  const workspaceId = options.workspaceId ?? base32Encode(random(16));
  if (!WorkspaceIdSchema.safeParse(workspaceId).success) {
    fail(
      'INVALID_ARGUMENT',
      'A workspace id must be 3 to 64 characters of A–Z, a–z, 0–9, "-", "_", starting with a letter or digit.',
    );
  }
  const created =
    options.created instanceof Date
      ? options.created.toISOString()
      : (options.created ?? new Date().toISOString());
  const key = options.namingKey ? brandNamingKey(options.namingKey) : generateNamingKey(random);
  const body: GenesisBody = {
    name: options.displayName,
    created,
    creator: {
      name: options.creator.name,
      sign: toBase64Url(options.creator.signKeyPair.publicKey),
      box: toBase64Url(options.creator.boxPublicKey),
    },
    namingKey: {
      generation: 1,
      check: namingKeyCheck(key, workspaceId, 1),
      wrapped: wrapNamingKey(key, options.creator.boxPublicKey, random),
    },
  };
  const parsed = GenesisBodySchema.safeParse(body);
  if (!parsed.success) {
    fail(
      'INVALID_ARGUMENT',
      `This workspace cannot be created: ${parsed.error.issues[0]?.path.join('.') || 'input'} is not valid (member names are lower-case letters, digits, ".", "_", "-").`,
    );
  }
  const entry = signEntry(
    { workspace: workspaceId, seq: 0, prev: GENESIS_PREV, type: 'genesis', body: parsed.data },
    options.creator,
  );
  return { entry, state: verifyGenesis(entry), namingKey: key };
}

/**
 * Creates the next entry after `state` (seq and prev from its head), signed by `author`, and
 * checks it against the rules exactly as `applyEntry` would, so it throws the same errors the
 * server would answer. Apply the returned entry to `state` once the server accepted it.
 */
export function createEntry<T extends LaterEntryType>(
  state: MembershipState,
  type: T,
  body: EntryBody<T>,
  author: AuthorKeys,
): MembershipEntry {
  const entry = signEntry(
    { workspace: state.workspaceId, seq: state.head.seq + 1, prev: state.head.hash, type, body },
    author,
  );
  applyEntry(state, entry);
  return entry;
}

/**
 * The `user.add` entry for an imported (and fingerprint-checked) invitation: wraps the current
 * naming key (which the author unwrapped with `memberNamingKey`) to the invitee.
 */
export function createUserAdd(
  state: MembershipState,
  options: {
    invitation: Invitation;
    permissions: Iterable<Permission>;
    namingKey: NamingKey;
    author: AuthorKeys;
    random?: RandomSource;
  },
): MembershipEntry {
  const { invitation } = options;
  if (
    namingKeyCheck(options.namingKey, state.workspaceId, state.namingKey.generation) !==
    state.namingKey.check
  ) {
    fail('NAMING_KEY_INVALID', 'This is not the workspace’s current naming key.');
  }
  return createEntry(
    state,
    'user.add',
    {
      name: invitation.name,
      sign: toBase64Url(invitation.signPk),
      box: toBase64Url(invitation.boxPk),
      permissions: normalizePermissions(options.permissions),
      namingKey: wrapNamingKey(options.namingKey, invitation.boxPk, options.random),
      invitation: invitation.sig,
    },
    options.author,
  );
}

/**
 * A `naming.rotate` entry: a fresh naming key (or `options.namingKey`) wrapped to every current
 * member's box key from the verified state. Returns the new key too (wipe it when done).
 */
export function createNamingRotation(
  state: MembershipState,
  author: AuthorKeys,
  options: { namingKey?: NamingKey; random?: RandomSource } = {},
): { entry: MembershipEntry; namingKey: NamingKey } {
  const { body, namingKey } = namingRotationBody(state, options.namingKey, options.random);
  return { entry: createEntry(state, 'naming.rotate', body, author), namingKey };
}

/**
 * Removes a member: the `user.remove` entry, then (unless the author removed itself) the
 * `naming.rotate` entry for the remaining members. Post them in order. If the author removed
 * itself, another administrator must rotate (`state.namingKey.rotationPending`).
 */
export function createUserRemoval(
  state: MembershipState,
  name: string,
  author: AuthorKeys,
  options: { random?: RandomSource } = {},
): { entries: MembershipEntry[]; state: MembershipState; namingKey?: NamingKey } {
  const removal = createEntry(state, 'user.remove', { name }, author);
  const afterRemoval = applyEntry(state, removal);
  if (!afterRemoval.members.has(author.name)) {
    return { entries: [removal], state: afterRemoval };
  }
  const rotation = createNamingRotation(afterRemoval, author, options);
  return {
    entries: [removal, rotation.entry],
    state: applyEntry(afterRemoval, rotation.entry),
    namingKey: rotation.namingKey,
  };
}

// ---------------------------------------------------------------------------------------------
// Reading the verified state

export interface MemberPublicKeys {
  name: string;
  signPk: SignPublicKey;
  boxPk: BoxPublicKey;
  /** Identity address (`bb1…`). */
  address: string;
  /** Safety number, to compare out of band. */
  safetyNumber: string;
  permissions: readonly Permission[];
}

/**
 * The public keys of a current member, from the verified log only (copies). Anything shared
 * with a member is sealed to these keys, never to keys from a bare server answer. Throws
 * `MEMBERSHIP_UNKNOWN_MEMBER`.
 */
export function memberPublicKeys(state: MembershipState, name: string): MemberPublicKeys {
  const member = state.members.get(name);
  if (!member) {
    fail('MEMBERSHIP_UNKNOWN_MEMBER', `"${name}" is not a member of this workspace.`);
  }
  const signPk = Uint8Array.from(member.signPk) as SignPublicKey;
  const boxPk = Uint8Array.from(member.boxPk) as BoxPublicKey;
  return {
    name: member.name,
    signPk,
    boxPk,
    address: identityAddress(signPk),
    safetyNumber: safetyNumber(signPk, boxPk),
    permissions: [...member.permissions],
  };
}

/** The current member whose identity signing key is `signPk`, if any. */
export function memberBySignKey(state: MembershipState, signPk: Uint8Array): Member | undefined {
  const name = state.keyOwners.get(`sign:${toBase64Url(signPk)}`);
  return name === undefined ? undefined : state.members.get(name);
}

/** True if `name` is a current member holding `permission` (ROOT implies every permission). */
export function memberHas(state: MembershipState, name: string, permission: Permission): boolean {
  const member = state.members.get(name);
  return member !== undefined && has(member.permissions, permission);
}

/**
 * The human form of a workspace fingerprint (its genesis hash): 12 groups of 5 digits from
 * BLAKE2b-512("backbone/workspace-fingerprint/v1\n" ‖ genesis hash), computed like a safety
 * number. Compare it out of band when joining a workspace.
 */
export function workspaceFingerprint(genesisHash: string): string {
  let hash: Uint8Array;
  try {
    hash = fromBase64Url(genesisHash);
  } catch (cause) {
    fail('INVALID_ARGUMENT', 'A workspace genesis hash must be base64url text.', cause);
  }
  if (hash.length !== HASH_LENGTH) {
    fail('INVALID_ARGUMENT', `A workspace genesis hash must be ${HASH_LENGTH} bytes.`);
  }
  const digest = blake2b(concatBytes(utf8(FINGERPRINT_DOMAIN), hash), 64);
  const groups: string[] = [];
  for (let i = 0; i < 12; i++) {
    let value = 0;
    for (let j = 0; j < 5; j++) value = value * 256 + digest[5 * i + j]!;
    groups.push(String(value % 100000).padStart(5, '0'));
  }
  return groups.join(' ');
}
