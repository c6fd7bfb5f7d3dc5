/**
 * Public API of the encrypted store's client-side cryptography (docs/design.md §4, docs/store.md).
 * Pure: no I/O. Operations take the verified membership state, the acting member's keys, the
 * naming key and the records (a `StoreRecords`), and return change sets to commit.
 */
export {
  ROOT_PATH,
  PATH_MAX_BYTES,
  PATH_MAX_DEPTH,
  SEGMENT_MAX_BYTES,
  ancestorPaths,
  baseName,
  isDescendantPath,
  isNormalizedPath,
  joinPath,
  normalizePath,
  parentPath,
  pathSegments,
  pathToken,
  pathTokenBytes,
} from './paths.js';
export {
  MAX_VALUE_BYTES,
  PADDED_LENGTHS,
  PADDING_CLASSES,
  padValue,
  paddedLength,
  paddingClass,
  unpadValue,
} from './padding.js';
export {
  ACCESS_BITS,
  ACCESS_DESCRIPTIONS,
  ALL_ACCESS,
  AccessBitSchema,
  AccessSetSchema,
  hasAccess,
  holdsAll,
  normalizeAccess,
  unionAccess,
  type AccessBit,
} from './bits.js';
export {
  SALT_BYTES,
  locatorMatches,
  newLocator,
  openEnvelope,
  recordId,
  sealEnvelope,
  type EnvelopeType,
  type Locator,
  type RecordKind,
} from './envelopes.js';
export * from './records.js';
export { StoreDraft, StoreView, type StoreRecords, type StoreSnapshot } from './store-view.js';
export { SeenVersions, type SeenSnapshot } from './seen.js';
export {
  analyzeStore,
  type AccessTarget,
  type NamespaceNode,
  type StoreAuthority,
} from './access.js';
export { KeyResolver, type ResolvedEntryKey, type ResolvedNamespace } from './chain.js';
export { StoreSession, type StoreActor, type StoreContext } from './context.js';
export {
  generateNamespaceKeyPair,
  namespacePublicKey,
  resignNamespaceRecord,
  sealNamespaceKey,
  sealNamespaceName,
  signNamespaceRecord,
} from './namespace-keys.js';
export {
  ENTRY_AD_PREFIX,
  deleteEntry,
  entryAssociatedData,
  readEntry,
  readEntryText,
  writeEntry,
  type EntryValue,
  type EntryWrite,
  type WriteEntryOptions,
} from './entries.js';
export {
  accessOf,
  grantAccess,
  listGrants,
  signGrantRecord,
  type GrantInfo,
  type GrantOptions,
  type GrantResult,
} from './grants.js';
export {
  createNamespace,
  createRootNamespace,
  deleteNamespace,
  listNamespace,
  type CreateNamespaceOptions,
  type NamespaceCreation,
  type NamespaceDeletion,
  type NamespaceListing,
} from './namespaces.js';
export {
  Rotator,
  revokeAccess,
  signRotation,
  verifyRotationBundle,
  type Revocation,
  type RevokeOptions,
  type RotatedNamespace,
  type RotationReport,
} from './rotation.js';
export { retokenize, type Retokenization } from './retokenize.js';
export { currentFormerGrants, grantTargetPath } from './former-grants.js';
export {
  ListingMemo,
  listStore,
  type ListStoreOptions,
  type ListedEntry,
  type ListedNamespace,
  type StoreListing,
} from './listing.js';
export { auditStore, type AuditOptions, type StoreProblem } from './audit.js';
