/**
 * Namespace key pairs and namespace records: making, signing and re-signing them, and sealing
 * their names and secret keys.
 *
 * Each namespace has an X25519 key pair and a key generation (1, then +1 per rotation). Its
 * record's signed part — `store.namespace` {workspace, id, parent, isolated, creator, generation,
 * publicKey, revision, signer} — says which public key is current; `revision` counts signatures
 * (it also grows when the namespace moves under a new parent without a new key). The secret key
 * travels only in key envelopes: to the parent (`inherit`, unless isolated) and to members
 * holding a grant with READ.
 */
import {
  boxPublicKey,
  fromBase64Url,
  generateBoxKeyPair,
  randomBytes,
  toBase64Url,
  type BoxKeyPair,
  type BoxPublicKey,
  type BoxSecretKey,
  type RandomSource,
} from '../crypto/index.js';
import type { StoreActor } from './context.js';
import { sealEnvelope, type Locator } from './envelopes.js';
import {
  STORE_KINDS,
  STORE_RECORD_VERSION,
  namespaceSignedBody,
  parseNamespaceRecord,
  signStoreStatement,
  type NamespaceRecord,
} from './records.js';

/** A fresh namespace key pair. */
export function generateNamespaceKeyPair(random: RandomSource = randomBytes): BoxKeyPair {
  return generateBoxKeyPair(random);
}

/** The signed public key of a namespace record. */
export function namespacePublicKey(record: Pick<NamespaceRecord, 'publicKey'>): BoxPublicKey {
  return boxPublicKey(fromBase64Url(record.publicKey));
}

/** A name envelope for a namespace, sealed to its parent (generation `generation`). */
export function sealNamespaceName(
  parentPublicKey: BoxPublicKey,
  parentGeneration: number,
  locator: Pick<Locator, 'path' | 'salt'>,
  random: RandomSource = randomBytes,
): NonNullable<NamespaceRecord['name']> {
  return {
    generation: parentGeneration,
    sealed: sealEnvelope(parentPublicKey, 'name', locator, undefined, random),
  };
}

/** A key envelope carrying a namespace secret key, sealed to `recipient` (generation label). */
export function sealNamespaceKey(
  recipient: BoxPublicKey,
  generation: number,
  locator: Pick<Locator, 'path' | 'salt'>,
  secretKey: BoxSecretKey,
  random: RandomSource = randomBytes,
): { generation: number; sealed: string } {
  return {
    generation,
    sealed: sealEnvelope(recipient, 'namespace-key', locator, secretKey, random),
  };
}

export interface NamespaceRecordFields {
  workspace: string;
  id: string;
  token: string;
  naming: number;
  parent: string | null;
  isolated: boolean;
  creator: string;
  generation: number;
  publicKey: BoxPublicKey;
  revision: number;
  name: NamespaceRecord['name'];
  inherit: NamespaceRecord['inherit'];
}

/** Signs a namespace record as `signer` (the signer's name goes into the signed part). */
export function signNamespaceRecord(
  fields: NamespaceRecordFields,
  signer: Pick<StoreActor, 'name' | 'signKeyPair'>,
): NamespaceRecord {
  const unsigned = {
    v: STORE_RECORD_VERSION,
    workspace: fields.workspace,
    id: fields.id,
    token: fields.token,
    naming: fields.naming,
    parent: fields.parent,
    isolated: fields.isolated,
    creator: fields.creator,
    generation: fields.generation,
    publicKey: toBase64Url(fields.publicKey),
    revision: fields.revision,
    signer: signer.name,
  } as const;
  const sig = signStoreStatement(
    STORE_KINDS.namespace,
    namespaceSignedBody(unsigned),
    signer.signKeyPair,
  );
  return parseNamespaceRecord({ ...unsigned, sig, name: fields.name, inherit: fields.inherit });
}

/**
 * Signs an existing namespace again with changes (new parent and/or new key), bumping the
 * revision; unsigned envelopes are replaced by `name` / `inherit`.
 */
export function resignNamespaceRecord(
  record: NamespaceRecord,
  changes: {
    parent?: string | null;
    publicKey?: BoxPublicKey;
    generation?: number;
    name: NamespaceRecord['name'];
    inherit: NamespaceRecord['inherit'];
  },
  signer: Pick<StoreActor, 'name' | 'signKeyPair'>,
): NamespaceRecord {
  return signNamespaceRecord(
    {
      workspace: record.workspace,
      id: record.id,
      token: record.token,
      naming: record.naming,
      parent: changes.parent === undefined ? record.parent : changes.parent,
      isolated: record.isolated,
      creator: record.creator,
      generation: changes.generation ?? record.generation,
      publicKey: changes.publicKey ?? namespacePublicKey(record),
      revision: record.revision + 1,
      name: changes.name,
      inherit: changes.inherit,
    },
    signer,
  );
}
