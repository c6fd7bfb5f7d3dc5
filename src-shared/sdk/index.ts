/**
 * The Backbone SDK. See `client.ts` for the overview and `docs/cli.md` for the command line
 * built on it.
 */
export {
  BackboneClient,
  PASSWORD_ACCESS_PATH,
  webSocketUrl,
  type AuthenticateOptions,
  type BackboneClientOptions,
  type FromCredentialsOptions,
} from './client.js';
export {
  DeviceApi,
  verifiedDevice,
  type DeviceSummary,
  type RevokeDeviceOptions,
} from './devices.js';
export {
  HttpClient,
  ServerError,
  cleanServerMessage,
  normalizeServerUrl,
  type FetchFunction,
  type HttpOptions,
} from './http.js';
export {
  ClientKeys,
  unlockClientKeyfile,
  type ClientPrivateKey,
  type DeviceDescription,
  type KeyOptions,
  type PassphraseSource,
} from './keys.js';
export {
  MemoryClientStore,
  isKeyfileLocation,
  type ClientStore,
  type KeyfileLocation,
  type ServerPin,
  type StoredToken,
  type WorkspacePin,
} from './store.js';
export { TokenApi, type DeriveTokenOptions } from './tokens.js';
export {
  DEFAULT_MEMBER_PERMISSIONS,
  UserApi,
  type GeneratedInvitation,
  type InvitationSummary,
} from './users.js';
export {
  MAX_LOG_ENTRIES,
  VerificationError,
  WorkspaceApi,
  memberView,
  type GetWorkspaceOptions,
  type ListedWorkspace,
  type MemberView,
  type VerifiedWorkspace,
} from './workspaces.js';
export {
  STORE_COPY_VERSION,
  VaultApi,
  isUnreachable,
  storeCopySchema,
  type RevokeOutcome,
  type SharingInfo,
  type StoreCopy,
  type TakenEntry,
  type VaultListing,
  type VaultSetOptions,
} from './vault.js';
