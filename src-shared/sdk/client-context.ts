/**
 * What the SDK's API groups (workspaces, users, tokens, devices, store, vault) need of the
 * client: its HTTP client, its store, the pinned server, the unlocked keys and a token. Its own
 * module so the groups do not import `client.ts`, which builds them.
 */
import type { HttpClient } from './http.js';
import type { ClientKeys } from './keys.js';
import type { ClientStore, ServerPin } from './store.js';

/** Internal services shared by the API groups. */
export interface ClientContext {
  readonly http: HttpClient;
  readonly store: ClientStore;
  readonly workspaceId: string | undefined;
  readonly username: string | undefined;
  /** The client's `expectFingerprint` option. */
  readonly expectFingerprint: string | undefined;
  server(): Promise<ServerPin>;
  keys(): Promise<ClientKeys>;
  /** Runs `call` with a token, logging in (again) if needed and possible. */
  authorized<T>(call: (token: string) => Promise<T>): Promise<T>;
  /** The identity address if known without opening the keyfile. */
  identityAddress(): string | undefined;
  /** The stored/current token, if any (no login). */
  currentToken(): Promise<string | undefined>;
  forgetToken(): Promise<void>;
}
