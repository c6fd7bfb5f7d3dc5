/**
 * Store record formats (version 1): zod schemas, signed statement bodies, record hashes.
 *
 * Records are plain JSON; binary is base64url without padding. Each record has a **signed part**
 * (an Ed25519 signature by a member over a signed statement `"backbone/<kind>/v1\n" ‖ JCS(body)`,
 * see `crypto/statement.ts`) and an **unsigned part**: the lookup token and the sealed envelopes.
 * The unsigned part changes when keys rotate, when the naming key rotates or when a namespace is
 * inserted or removed above the record; it needs no signature because every envelope is checked
 * by whoever opens it (its content commits to the record id, see `envelopes.ts`, and a namespace
 * secret key must match the signed public key).
 *
 * | record    | statement kind    | signed body                                                                        |
 * | --------- | ----------------- | ---------------------------------------------------------------------------------- |
 * | namespace | `store.namespace` | workspace, id, parent, isolated, creator, generation, publicKey, revision, signer |
 * | grant     | `store.grant`     | workspace, id, target {kind, id}, grantee, granteeBox, access, epoch, granter     |
 * | entry     | `store.entry`     | workspace, id, version, shareEpoch, ciphertext (BLAKE2b-256), expiresAt, writer   |
 * | rotation  | `store.rotation`  | workspace, actor, reason, change (record hash of the change set)                  |
 *
 * See `docs/store.md` for the meaning of every field.
 */
import { z } from 'zod';
import {
  SEAL_OVERHEAD_BYTES,
  blake2b,
  canonicalJson,
  concatBytes,
  fromBase64Url,
  signStatement,
  statementSigningBytes,
  toBase64Url,
  utf8,
  verifyDetached,
  type JsonValue,
  type SignKeyPair,
  type SignPublicKey,
} from '../crypto/index.js';
import { MemberNameSchema } from '../workspace/invitation.js';
import { WorkspaceIdSchema } from '../workspace/membership-log.js';
import { AccessSetSchema, hasAccess } from './bits.js';
import { ENVELOPE_KEY_BYTES, SALT_BYTES } from './envelopes.js';
import { fail } from './internal.js';
import { PADDED_LENGTHS } from './padding.js';
import { PATH_MAX_BYTES } from './paths.js';

export const STORE_RECORD_VERSION = 1;

export const STORE_KINDS = {
  namespace: 'store.namespace',
  grant: 'store.grant',
  entry: 'store.entry',
  rotation: 'store.rotation',
} as const;
export type StoreStatementKind = (typeof STORE_KINDS)[keyof typeof STORE_KINDS];

const AEAD_OVERHEAD = 40;
export const CIPHERTEXT_LENGTHS: readonly number[] = PADDED_LENGTHS.map((n) => n + AEAD_OVERHEAD);
const ENVELOPE_HEAD = 2;
const SEALED_KEY_MIN = SEAL_OVERHEAD_BYTES + ENVELOPE_HEAD + ENVELOPE_KEY_BYTES + SALT_BYTES;
const SEALED_KEY_MAX = SEALED_KEY_MIN + PATH_MAX_BYTES;
const SEALED_NAME_MIN = SEAL_OVERHEAD_BYTES + ENVELOPE_HEAD + SALT_BYTES;
const SEALED_NAME_MAX = SEALED_NAME_MIN + PATH_MAX_BYTES;

// ---------------------------------------------------------------------------------------------
// Field schemas

const B64 = /^[A-Za-z0-9_-]*$/;

function decodedLength(text: string): number | null {
  try {
    return fromBase64Url(text).length;
  } catch {
    return null;
  }
}

/** base64url of exactly `length` bytes (canonical). */
function base64Exact(length: number) {
  return z
    .string()
    .length(Math.ceil((length * 4) / 3))
    .regex(B64)
    .refine((text) => decodedLength(text) === length, { message: 'not canonical base64url' });
}

/** base64url of `min`..`max` bytes (canonical). */
function base64Range(min: number, max: number) {
  return z
    .string()
    .min(Math.ceil((min * 4) / 3))
    .max(Math.ceil((max * 4) / 3))
    .regex(B64)
    .refine(
      (text) => {
        const n = decodedLength(text);
        return n !== null && n >= min && n <= max;
      },
      { message: 'not canonical base64url of the right size' },
    );
}

/** Record ids, tokens and hashes: 32 bytes. */
export const Id32Schema = base64Exact(32);
/** Grant ids: 16 random bytes. */
export const GrantIdSchema = base64Exact(16);
const Key32 = base64Exact(32);
const Signature = base64Exact(64);
const Counter = z.number().int().min(1).max(Number.MAX_SAFE_INTEGER);
const SealedKey = base64Range(SEALED_KEY_MIN, SEALED_KEY_MAX);
const SealedName = base64Range(SEALED_NAME_MIN, SEALED_NAME_MAX);
const Ciphertext = z
  .string()
  .max(Math.ceil((Math.max(...CIPHERTEXT_LENGTHS) * 4) / 3))
  .regex(B64)
  .refine((text) => CIPHERTEXT_LENGTHS.includes(decodedLength(text) ?? -1), {
    message: 'not a ciphertext of an allowed size',
  });

/** A key envelope sealed to generation `generation` of a namespace key (or to a user). */
export const SealedKeySchema = z.strictObject({ generation: Counter, sealed: SealedKey });
/** A name envelope sealed to generation `generation` of the parent namespace key. */
export const SealedNameSchema = z.strictObject({ generation: Counter, sealed: SealedName });

// ---------------------------------------------------------------------------------------------
// Records

export const NamespaceRecordSchema = z
  .strictObject({
    v: z.literal(STORE_RECORD_VERSION),
    workspace: WorkspaceIdSchema,
    /** Commitment to (salt, path); never changes. */
    id: Id32Schema,
    /** Lookup token of the path under naming key generation `naming` (unsigned). */
    token: Id32Schema,
    naming: Counter,
    /** Id of the parent namespace; null for the root namespace. */
    parent: Id32Schema.nullable(),
    isolated: z.boolean(),
    creator: MemberNameSchema,
    /** Key generation; +1 at each rotation. */
    generation: Counter,
    publicKey: Key32,
    /** +1 each time the signed part is signed again (rotation, re-parenting). */
    revision: Counter,
    signer: MemberNameSchema,
    sig: Signature,
    /** Name envelope sealed to the parent namespace key (unsigned); null for the root. */
    name: SealedNameSchema.nullable(),
    /** Key envelope of this namespace's secret key sealed to the parent (unsigned); null for the
     * root and for isolated namespaces. */
    inherit: SealedKeySchema.nullable(),
  })
  .refine((r) => (r.parent === null) === (r.name === null), {
    message: 'name is present exactly when there is a parent',
  })
  .refine((r) => r.parent !== null || !r.isolated, {
    message: 'the root namespace cannot be isolated',
  })
  .refine((r) => r.revision >= r.generation, {
    message: 'revision counts every signature, so it is at least the key generation',
  })
  .refine((r) => (r.parent !== null && !r.isolated) === (r.inherit !== null), {
    message: 'inherit is present exactly for non-isolated namespaces with a parent',
  });
export type NamespaceRecord = z.infer<typeof NamespaceRecordSchema>;

export const GrantTargetSchema = z.strictObject({
  kind: z.enum(['namespace', 'entry']),
  id: Id32Schema,
});
export type GrantTarget = z.infer<typeof GrantTargetSchema>;

export const GrantRecordSchema = z
  .strictObject({
    v: z.literal(STORE_RECORD_VERSION),
    workspace: WorkspaceIdSchema,
    id: GrantIdSchema,
    target: GrantTargetSchema,
    grantee: MemberNameSchema,
    /** The grantee's box public key as the granter read it in the verified membership log. */
    granteeBox: Key32,
    access: AccessSetSchema,
    /** The target's counter this grant belongs to (signed): a namespace's key `generation`, an
     * entry's `shareEpoch`. A grant counts only while it equals the target's current value, so a
     * grant removed by a revocation (which always moves the counter) never comes back. */
    epoch: Counter,
    granter: MemberNameSchema,
    sig: Signature,
    /** Namespace grants with READ: the namespace secret key, key generation `generation`, sealed
     * to `granteeBox` (unsigned; replaced at each rotation). Otherwise null (entry keys travel in
     * the entry record). */
    key: SealedKeySchema.nullable(),
  })
  .refine(
    (r) => (r.key !== null) === (r.target.kind === 'namespace' && hasAccess(r.access, 'READ')),
    {
      message: 'key is present exactly for namespace grants with READ',
    },
  )
  .refine((r) => r.key === null || r.key.generation === r.epoch, {
    message: 'the key envelope is for the generation the grant belongs to',
  });
export type GrantRecord = z.infer<typeof GrantRecordSchema>;

export const EntryRecordSchema = z.strictObject({
  v: z.literal(STORE_RECORD_VERSION),
  workspace: WorkspaceIdSchema,
  id: Id32Schema,
  token: Id32Schema,
  naming: Counter,
  /** +1 at each write (compare-and-swap on the server). */
  version: Counter,
  /** Direct-share epoch (signed): +1 when a direct share of this entry is revoked; every other
   * write carries it over. Entry grants count only at the current value. */
  shareEpoch: Counter,
  /** nonce ‖ XChaCha20-Poly1305(padded value) ‖ tag. */
  ciphertext: Ciphertext,
  expiresAt: z.iso.datetime().nullable(),
  writer: MemberNameSchema,
  sig: Signature,
  /** Id of the nearest namespace (unsigned; changes when a namespace is inserted or removed). */
  namespace: Id32Schema,
  keys: z.strictObject({
    /** The entry key envelope sealed to the nearest namespace key. */
    namespace: SealedKeySchema,
    /** Direct shares: member name → the entry key envelope sealed to that member's box key. */
    users: z.record(MemberNameSchema, SealedKey),
  }),
});
export type EntryRecord = z.infer<typeof EntryRecordSchema>;

// ---------------------------------------------------------------------------------------------
// Change sets and rotation bundles

export const RecordTypeSchema = z.enum(['namespace', 'grant', 'entry']);
export type RecordType = z.infer<typeof RecordTypeSchema>;

export const ExpectationSchema = z.strictObject({
  type: RecordTypeSchema,
  id: z.string().min(1).max(64),
  /** `recordHash` of the record the client based its change on, or null: "must not exist". */
  hash: Id32Schema.nullable(),
});
export type Expectation = z.infer<typeof ExpectationSchema>;

/** What one store transaction commits; the server applies all of it or nothing. */
export const StoreChangeSchema = z.strictObject({
  v: z.literal(STORE_RECORD_VERSION),
  workspace: WorkspaceIdSchema,
  put: z.strictObject({
    namespaces: z.array(NamespaceRecordSchema),
    grants: z.array(GrantRecordSchema),
    entries: z.array(EntryRecordSchema),
  }),
  remove: z.strictObject({
    namespaces: z.array(Id32Schema),
    grants: z.array(GrantIdSchema),
    entries: z.array(Id32Schema),
  }),
  /** Compare-and-swap: every record read or replaced, with the hash it had. */
  expect: z.array(ExpectationSchema),
});
export type StoreChange = z.infer<typeof StoreChangeSchema>;

export const RotationReasonSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('revoke'),
    target: GrantTargetSchema,
    grantee: MemberNameSchema,
  }),
  z.strictObject({ type: z.literal('delete-namespace'), id: Id32Schema }),
]);
export type RotationReason = z.infer<typeof RotationReasonSchema>;

/** A key rotation as committed: the change set, signed as a whole by the member who made it. */
export const RotationBundleSchema = z.strictObject({
  v: z.literal(STORE_RECORD_VERSION),
  workspace: WorkspaceIdSchema,
  actor: MemberNameSchema,
  reason: RotationReasonSchema,
  change: StoreChangeSchema,
  sig: Signature,
});
export type RotationBundle = z.infer<typeof RotationBundleSchema>;

// ---------------------------------------------------------------------------------------------
// Parsing

function parseWith<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  if (
    typeof value === 'object' &&
    value !== null &&
    'v' in value &&
    (value as { v: unknown }).v !== STORE_RECORD_VERSION &&
    typeof (value as { v: unknown }).v === 'number'
  ) {
    fail(
      'UNSUPPORTED_VERSION',
      `This ${what} has format version ${String((value as { v: unknown }).v)}; this app understands version ${STORE_RECORD_VERSION}. Update Backbone if it is newer.`,
    );
  }
  const result = schema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    fail(
      'STORE_INVALID_RECORD',
      `This ${what} is malformed (${issue?.path.join('.') || 'shape'}: ${issue?.message ?? 'invalid'}).`,
    );
  }
  return result.data;
}

export const parseNamespaceRecord = (value: unknown): NamespaceRecord =>
  parseWith(NamespaceRecordSchema, value, 'namespace record');
export const parseGrantRecord = (value: unknown): GrantRecord =>
  parseWith(GrantRecordSchema, value, 'grant record');
export const parseEntryRecord = (value: unknown): EntryRecord =>
  parseWith(EntryRecordSchema, value, 'entry record');
export const parseStoreChange = (value: unknown): StoreChange =>
  parseWith(StoreChangeSchema, value, 'store change');
export const parseRotationBundle = (value: unknown): RotationBundle =>
  parseWith(RotationBundleSchema, value, 'rotation bundle');

// ---------------------------------------------------------------------------------------------
// Signed bodies, signatures, hashes

export type NamespaceSignedBody = Pick<
  NamespaceRecord,
  | 'workspace'
  | 'id'
  | 'parent'
  | 'isolated'
  | 'creator'
  | 'generation'
  | 'publicKey'
  | 'revision'
  | 'signer'
>;

export function namespaceSignedBody(r: NamespaceSignedBody): NamespaceSignedBody {
  return {
    workspace: r.workspace,
    id: r.id,
    parent: r.parent,
    isolated: r.isolated,
    creator: r.creator,
    generation: r.generation,
    publicKey: r.publicKey,
    revision: r.revision,
    signer: r.signer,
  };
}

export type GrantSignedBody = Pick<
  GrantRecord,
  'workspace' | 'id' | 'target' | 'grantee' | 'granteeBox' | 'access' | 'epoch' | 'granter'
>;

export function grantSignedBody(r: GrantSignedBody): GrantSignedBody {
  return {
    workspace: r.workspace,
    id: r.id,
    target: { kind: r.target.kind, id: r.target.id },
    grantee: r.grantee,
    granteeBox: r.granteeBox,
    access: [...r.access],
    epoch: r.epoch,
    granter: r.granter,
  };
}

export interface EntrySignedBody {
  workspace: string;
  id: string;
  version: number;
  shareEpoch: number;
  /** BLAKE2b-256 of the ciphertext bytes, base64url. */
  ciphertext: string;
  expiresAt: string | null;
  writer: string;
}

/** BLAKE2b-256 of a base64url ciphertext's bytes, base64url. */
export function ciphertextDigest(ciphertext: string): string {
  return toBase64Url(blake2b(fromBase64Url(ciphertext)));
}

export function entrySignedBody(
  r: Pick<
    EntryRecord,
    'workspace' | 'id' | 'version' | 'shareEpoch' | 'ciphertext' | 'expiresAt' | 'writer'
  >,
): EntrySignedBody {
  return {
    workspace: r.workspace,
    id: r.id,
    version: r.version,
    shareEpoch: r.shareEpoch,
    ciphertext: ciphertextDigest(r.ciphertext),
    expiresAt: r.expiresAt,
    writer: r.writer,
  };
}

/** Signs a store statement body; returns the signature (base64url). */
export function signStoreStatement(
  kind: StoreStatementKind,
  body: object,
  signKeyPair: SignKeyPair,
): string {
  return signStatement(kind, STORE_RECORD_VERSION, body as JsonValue, signKeyPair).sig;
}

/** True if `sig` is a valid signature of `body` as a `kind` statement by `signPk`. */
export function verifyStoreStatement(
  kind: StoreStatementKind,
  body: object,
  sig: string,
  signPk: SignPublicKey,
): boolean {
  let signature: Uint8Array;
  try {
    signature = fromBase64Url(sig);
  } catch {
    return false;
  }
  return verifyDetached(signature, statementSigningBytes(kind, STORE_RECORD_VERSION, body), signPk);
}

const RECORD_HASH_DOMAIN = utf8('backbone/store.record-hash/v1\n');

/** BLAKE2b-256("backbone/store.record-hash/v1\n" ‖ JCS(value)), base64url: compare-and-swap tags. */
export function recordHash(value: unknown): string {
  return toBase64Url(blake2b(concatBytes(RECORD_HASH_DOMAIN, utf8(canonicalJson(value)))));
}
