/**
 * Public API of the Backbone crypto core. Import from here, not from the individual modules.
 * Call `await cryptoReady()` once per process before using anything else.
 */
export { cryptoReady, sodium, type Sodium } from './sodium.js';
export { randomBytes, type RandomSource } from './random.js';
export {
  concatBytes,
  fromBase64Url,
  fromHex,
  fromUtf8,
  toBase64Url,
  toHex,
  utf8,
} from './encoding.js';
export type {
  BoxKeyPair,
  BoxPublicKey,
  BoxSecretKey,
  Branded,
  KdfKey,
  Seed,
  SignKeyPair,
  SignPublicKey,
  SignSecretKey,
  SymmetricKey,
} from './types.js';

export {
  AEAD_KEY_BYTES,
  AEAD_NONCE_BYTES,
  AEAD_OVERHEAD_BYTES,
  AEAD_TAG_BYTES,
  aeadDecrypt,
  aeadDecryptParts,
  aeadEncrypt,
  aeadEncryptParts,
  generateSymmetricKey,
  symmetricKey,
  type AeadParts,
  type AssociatedData,
} from './aead.js';
export {
  BOX_PUBLIC_KEY_BYTES,
  BOX_SECRET_KEY_BYTES,
  SEAL_OVERHEAD_BYTES,
  boxKeyPairFromSecretKey,
  boxKeyPairFromSeed,
  boxPublicKey,
  boxSecretKey,
  generateBoxKeyPair,
  openSealed,
  sealTo,
} from './box.js';
export {
  SEED_BYTES,
  SIGNATURE_BYTES,
  SIGN_PUBLIC_KEY_BYTES,
  SIGN_SECRET_KEY_BYTES,
  generateSignKeyPair,
  requireValidSignature,
  seed,
  signDetached,
  signKeyPairFromSeed,
  signPublicKey,
  signSecretKey,
  signSeedOf,
  verifyDetached,
} from './sign.js';
export {
  KDF_CONTEXT_BYTES,
  KDF_KEY_BYTES,
  checkKdfContext,
  deriveSubkey,
  generateKdfKey,
  kdfKey,
} from './kdf.js';
export {
  HASH_BYTES,
  blake2b,
  blake2bKeyed,
  constantTimeEqual,
  createBlake2b,
  type Blake2bHasher,
} from './hash.js';
export {
  PWHASH_ALG,
  PWHASH_DEFAULT_PARAMS,
  PWHASH_FLOORS,
  PWHASH_LIMITS,
  PWHASH_MAX_WORK,
  isWithinCeiling,
  assertWithinCeiling,
  PWHASH_SALT_BYTES,
  assertParamsAtFloor,
  deriveKeyFromPassword,
  deriveKeyFromPasswordWith,
  argon2idHere,
  passwordBytes,
  type Argon2idJob,
  type Argon2idRunner,
  type DeriveKeyFromPasswordOptions,
  type PwhashOptions,
  type PwhashParams,
  type PwhashPurpose,
} from './pwhash.js';
export {
  STATEMENT_KIND_PATTERN,
  SignedStatementSchema,
  canonicalJson,
  findNonJson,
  parseStatement,
  signStatement,
  statementSigningBytes,
  verifyStatement,
  type JsonValue,
  type SignedStatement,
} from './statement.js';
export {
  DEVICE_CERT_KIND,
  DEVICE_CERT_VERSION,
  DeviceCertificateBodySchema,
  IDENTITY_ADDRESS_PREFIX,
  IDENTITY_KDF_CONTEXT,
  IDENTITY_SUBKEY_IDS,
  ROOT_SECRET_BYTES,
  base32Decode,
  base32Encode,
  createDeviceCertificate,
  deriveIdentity,
  identityAddress,
  identityAddressMatches,
  isIdentityAddress,
  rootSecret,
  safetyNumber,
  safetyNumberGroups,
  verifyDeviceCertificate,
  wipeIdentity,
  type DeviceCertificate,
  type DeviceCertificateBody,
  type DeviceInfo,
  type Identity,
  type VerifiedDevice,
} from './identity.js';
export {
  EMERGENCY_KIT_TITLE,
  EMERGENCY_KIT_VERSION,
  EMERGENCY_KIT_WORDS,
  emergencyKitPhrase,
  emergencyKitWords,
  normalizeEmergencyKitInput,
  parseEmergencyKit,
} from './emergency-kit.js';
export {
  KEYFILE_AD_PREFIX,
  KEYFILE_VERSION,
  KeyfileSchema,
  changeKeyfilePassword,
  createKeyfile,
  keyfileAssociatedData,
  keyfileKdfInput,
  newKeyfileHeader,
  openKeyfileWithKey,
  parseKeyfile,
  readKeyfile,
  sealKeyfileWithKey,
  serializeKeyfile,
  unlockKeyfile,
  writeKeyfileAtomic,
  type ChangeKeyfilePasswordOptions,
  type CreateKeyfileOptions,
  type Keyfile,
  type KeyfileOptions,
  type UnlockedKeyfile,
} from './keyfile.js';

// --- Bulk streams (stream.ts; the node:crypto engine is in stream-node.ts, imported directly by
// Node code so this index stays platform-free) ---------------------------------------------------
export {
  DEFAULT_STREAM_SUITE,
  MAX_CHUNK_SIZE,
  PORTABLE_STREAM_ENGINES,
  bytesSource,
  chacha20Poly1305Engine,
  collectBytes,
  decryptStream,
  encryptStream,
  secretstreamEngine,
  type StreamEngine,
} from './stream.js';
export {
  SECRETSTREAM_ABYTES,
  SECRETSTREAM_HEADERBYTES,
  SecretstreamPull,
  SecretstreamPush,
} from './secretstream.js';

// --- SPAKE2+EE (spake2ee.ts) ----------------------------------------------------------------
export * as spake2ee from './spake2ee.js';
// The names the password-access client and server use, flat (spake2ee's own PwhashParams stays
// inside the namespace: it is not pwhash's).
export {
  ALG_ARGON2ID13,
  DUMMYKEYBYTES,
  INJECTED_RANDOM_FLOORS,
  PRODUCT_FLOORS,
  PUBLICDATABYTES,
  RESPONSE1BYTES,
  RESPONSE2BYTES,
  RESPONSE3BYTES,
  STOREDBYTES,
  clientStep1,
  clientStep1With,
  clientStep3,
  serverStep0,
  serverStep0Dummy,
  serverStep2,
  serverStep4,
  serverStore,
  serverStoreWith,
  validatePublicData,
  type SharedKeys,
} from './spake2ee.js';
