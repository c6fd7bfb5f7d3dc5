/**
 * `BackboneClient`: the Backbone SDK (plain TypeScript over `fetch` and the shared WebSocket
 * adapters; runs in Node, Electron and browsers).
 *
 *     const client = new BackboneClient({ server, workspace, username, keyfile, passphrase });
 *     await client.workspace.create('Acme');   // genesis, signed here
 *     await client.authenticate();              // challenge + device-signed login → token
 *     const pw = await BackboneClient.fromCredentials({ server, workspace, username, password });
 *
 * Trust: the server is untrusted. The client pins the server's keys on first contact
 * (`SERVER_KEY_CHANGED` after that), verifies the whole membership log on every fetch with the
 * shared model (`verifyLog` with the pinned genesis hash and head, or `applyEntries` on top of
 * the state it already verified), keeps the highest verified head in its store, and takes member
 * keys and permissions only from the verified log. A workspace is pinned on first contact only
 * with the fingerprint the user confirmed (`expectFingerprint`); until then nothing is written
 * to it (`MEMBERSHIP_FINGERPRINT_REQUIRED`). A fork or rollback is `MEMBERSHIP_FORK` /
 * `MEMBERSHIP_ROLLBACK` and nothing from that answer is returned.
 */
import {
  challengeResponseSchema,
  loginOriginOf,
  revokeTokenResponseSchema,
  signAuthResponse,
  tokenResponseSchema,
  type Scope,
  type TokenInfo,
} from '../api/auth.js';
import { API_VERSION } from '../api/common.js';
import { createIdentityProfile, registerIdentityResponseSchema } from '../api/identities.js';
import {
  newClientNonce,
  serverInfoResponseSchema,
  verifiedServerKeys,
  verifyServerProof,
  type ProvenServerKeys,
} from '../api/server.js';
import {
  cryptoReady,
  fromBase64Url,
  fromUtf8,
  parseKeyfile,
  serializeKeyfile,
  toBase64Url,
  unlockKeyfile,
  utf8,
  generateSignKeyPair,
  sodium,
  type Argon2idRunner,
  type DeviceCertificate,
  type Keyfile,
  type PwhashParams,
  type RandomSource,
  type SignPublicKey,
  type SignSecretKey,
} from '../crypto/index.js';
import { BackboneError, isBackboneError } from '../errors.js';
import {
  connectNodeWebSocket,
  connectBrowserWebSocket,
  type PasswordAccessConnection,
} from '../pake/connection.js';
import { passwordChange, passwordLogin, passwordRegister } from '../pake/client.js';
import { HttpClient, ServerError, type HttpOptions } from './http.js';
import {
  ClientKeys,
  unlockClientKeyfile,
  type ClientPrivateKey,
  type DeviceDescription,
  type PassphraseSource,
} from './keys.js';
import {
  MemoryClientStore,
  isKeyfileLocation,
  type ClientStore,
  type KeyfileLocation,
  type ServerPin,
  type StoredToken,
} from './store.js';
import { DeviceApi } from './devices.js';
import { EntryApi } from './entry-api.js';
import { NamespaceApi } from './namespace-api.js';
import { StoreService } from './store/service.js';
import { TokenApi } from './tokens.js';
import { UserApi } from './users.js';
import { VaultApi } from './vault.js';
import { WorkspaceApi } from './workspaces.js';
import type { ClientContext } from './client-context.js';

export type { ClientContext } from './client-context.js';

/** Path of the password-access WebSocket endpoint. */
export const PASSWORD_ACCESS_PATH = '/v1/password-access';

export interface BackboneClientOptions {
  /** Server base URL (`https://…`). */
  server: string;
  /** Workspace id (3..64 characters of A–Z a–z 0–9 - _, starting with a letter or digit). */
  workspace?: string;
  /** This identity's member name in the workspace. */
  username?: string;
  /**
   * The workspace fingerprint the user compared with an administrator: on first contact the
   * workspace is pinned only if it matches (`MEMBERSHIP_FORK` otherwise). Without it (and without
   * a pin in `store`) a workspace can be read but nothing is pinned or written
   * (`MEMBERSHIP_FINGERPRINT_REQUIRED`). Per call: `workspace.get({ expectFingerprint })`.
   */
  expectFingerprint?: string;
  /**
   * The keyfile (object, JSON text, or where to read it); opened with `passphrase` when keys are
   * first needed.
   */
  keyfile?: Keyfile | string | KeyfileLocation;
  /** Passphrase of the keyfile, or a function asked for it (a prompt) when it is needed. */
  passphrase?: PassphraseSource;
  /** Already unlocked keys (instead of `keyfile`). */
  privateKey?: ClientPrivateKey;
  /** This device's saved certificate (made on first login otherwise). */
  deviceCertificate?: DeviceCertificate;
  /** Name and platform for a new device certificate. */
  device?: DeviceDescription;
  /** Display name for the identity profile registered on first login (default: username). */
  displayName?: string;
  /**
   * The identity address (`bb1…`), so a stored token can be used without opening the keyfile.
   * Checked against the keys once they are unlocked.
   */
  identity?: string;
  /** Pins and tokens (default: in memory). */
  store?: ClientStore;
  /** A bearer token to use (otherwise the stored one, otherwise `authenticate()`). */
  token?: string;
  /** Log in again by itself when the token is missing or expired and keys can be opened (default true). */
  autoAuthenticate?: boolean;
  http?: HttpOptions;
  /** Opens the password-access WebSocket (default: the `ws` adapter in Node, else the browser's). */
  connectWebSocket?: (url: string) => Promise<PasswordAccessConnection>;
  /**
   * Where password access's Argon2id runs (the SPAKE2+EE verifier and the keyfile blob; default:
   * this thread). The app core passes its worker so its event loop never blocks on a hash.
   */
  argon2id?: Argon2idRunner;
  /**
   * TESTS ONLY. `weakKdf`: allow Argon2id below the floors for keyfiles; `passwordAccessRandom`:
   * the random source for SPAKE2+EE, which lowers its floors to 2 / 64 MiB. Never set these in
   * application code.
   */
  testOnly?: { weakKdf?: boolean; passwordAccessRandom?: RandomSource };
}

export interface AuthenticateOptions {
  scopes?: Scope[];
  /** Limit the token to one workspace. */
  workspaceId?: string;
  ttlSeconds?: number;
  label?: string;
}

export interface FromCredentialsOptions extends Omit<
  BackboneClientOptions,
  'keyfile' | 'passphrase' | 'privateKey' | 'workspace' | 'username'
> {
  workspace: string;
  username: string;
  password: string | Uint8Array;
}

export class BackboneClient {
  readonly workspace: WorkspaceApi;
  readonly user: UserApi;
  readonly token: TokenApi;
  /** This identity's devices: list, revoke (devices.ts). */
  readonly device: DeviceApi;
  /** The encrypted store: values (entry-api.ts, over the store service in store/). */
  readonly entry: EntryApi;
  /** The encrypted store: folders (namespace-api.ts, over the store service in store/). */
  readonly namespace: NamespaceApi;
  /** The store service (store/service.ts): records, commit, context (advanced callers, tests). */
  readonly storeService: StoreService;
  /** The store as an app shows it: snapshots, offline copies, sharing (vault.ts, same service). */
  readonly vault: VaultApi;
  readonly passwordAccess: {
    /** Registers password access for this workspace and username. */
    register(password: string | Uint8Array, options?: { params?: PwhashParams }): Promise<void>;
    /** Replaces the password (the old one stops working at once). */
    change(password: string | Uint8Array, options?: { params?: PwhashParams }): Promise<void>;
  };

  readonly #options: BackboneClientOptions;
  readonly #http: HttpClient;
  readonly #store: ClientStore;
  #keys: ClientKeys | undefined;
  #privateKey: ClientPrivateKey | undefined;
  #keysPromise: Promise<ClientKeys> | undefined;
  #server: ServerPin | undefined;
  #token: string | undefined;
  readonly #ctx: ClientContext;

  constructor(options: BackboneClientOptions) {
    if (typeof options !== 'object' || options === null) {
      throw new BackboneError('INVALID_ARGUMENT', 'BackboneClient needs its options.');
    }
    this.#options = { ...options };
    this.#http = new HttpClient(options.server, options.http);
    this.#store = options.store ?? new MemoryClientStore();
    this.#token = options.token;
    if (options.privateKey !== undefined) {
      // Copied now (the caller may wipe its own), turned into keys once libsodium is ready.
      const { rootSecret, deviceSignKeyPair } = options.privateKey;
      this.#privateKey = {
        rootSecret: Uint8Array.from(rootSecret),
        deviceSignKeyPair: {
          publicKey: Uint8Array.from(deviceSignKeyPair.publicKey) as SignPublicKey,
          secretKey: Uint8Array.from(deviceSignKeyPair.secretKey) as SignSecretKey,
        },
      };
      delete this.#options.privateKey;
    }
    const current = this.#options;
    this.#ctx = {
      http: this.#http,
      store: this.#store,
      get workspaceId() {
        return current.workspace;
      },
      get username() {
        return current.username;
      },
      get expectFingerprint() {
        return current.expectFingerprint;
      },
      server: () => this.#serverPin(),
      keys: () => this.#unlock(),
      authorized: (call) => this.#authorized(call),
      identityAddress: () => this.#address(),
      currentToken: () => this.#currentToken(),
      forgetToken: () => this.#forgetToken(),
    };
    this.workspace = new WorkspaceApi(this.#ctx, (id) => {
      this.#options.workspace ??= id;
    });
    this.user = new UserApi(this.#ctx, this.workspace, (name) =>
      this.namespace.cleanupAfterRemoval(name),
    );
    this.token = new TokenApi(this.#ctx);
    this.device = new DeviceApi(this.#ctx);
    this.storeService = new StoreService(this.#ctx, this.workspace);
    this.entry = new EntryApi(this.storeService);
    this.namespace = new NamespaceApi(this.storeService);
    this.vault = new VaultApi(this.#ctx, this.workspace, this.storeService);
    this.passwordAccess = {
      register: (password, opts) => this.#registerPassword('register', password, opts),
      change: (password, opts) => this.#registerPassword('change', password, opts),
    };
  }

  /** Normalized server base URL. */
  get serverUrl(): string {
    return this.#http.baseUrl;
  }

  get workspaceId(): string | undefined {
    return this.#options.workspace;
  }

  get username(): string | undefined {
    return this.#options.username;
  }

  /** Unlocks the keys now (asks for the passphrase if needed) and returns public facts. */
  async identity(): Promise<{
    address: string;
    safetyNumber: string;
    signPublicKey: string;
    boxPublicKey: string;
    deviceId: string;
  }> {
    const keys = await this.#unlock();
    return {
      address: keys.address,
      safetyNumber: keys.safetyNumber,
      signPublicKey: toBase64Url(keys.identity.signKeyPair.publicKey),
      boxPublicKey: toBase64Url(keys.identity.boxKeyPair.publicKey),
      deviceId: keys.deviceId,
    };
  }

  /** This device's certificate (made on first use; save it with the profile). */
  async deviceCertificate(): Promise<DeviceCertificate> {
    const keys = await this.#unlock();
    return keys.deviceCertificate(this.#options.device);
  }

  /** The server's pinned description (fetched and pinned on first contact). */
  server(): Promise<ServerPin> {
    return this.#serverPin();
  }

  /** A keyfile holding this client's keys under `passphrase` (to save on a new device). */
  async exportKeyfile(passphrase: string | Uint8Array, params?: PwhashParams): Promise<Keyfile> {
    const keys = await this.#unlock();
    return keys.toKeyfile(passphrase, {
      ...(params ? { params } : {}),
      testOnlyAllowWeakParams: this.#options.testOnly?.weakKdf === true,
    });
  }

  /**
   * Registers the identity on the server (self-signed profile + this device's certificate).
   * Harmless if it is already registered. `authenticate()` calls it when the server does not
   * know the identity yet.
   */
  async registerIdentity(): Promise<{ registered: boolean }> {
    const keys = await this.#unlock();
    const profile = createIdentityProfile(keys.identity.signKeyPair, {
      boxPublicKey: keys.identity.boxKeyPair.publicKey,
      displayName: (this.#options.displayName ?? this.#options.username ?? 'Backbone user').slice(
        0,
        100,
      ),
      created: new Date(),
    });
    try {
      const answer = await this.#http.request('POST', '/v1/identities', {
        schema: registerIdentityResponseSchema,
        body: {
          v: API_VERSION,
          profile,
          deviceCertificate: keys.deviceCertificate(this.#options.device),
        },
        expect: 201,
      });
      if (answer.identity.id !== keys.address) {
        throw new BackboneError(
          'SERVER_INVALID_RESPONSE',
          'The server registered another identity than this one.',
        );
      }
      return { registered: true };
    } catch (error) {
      if (isBackboneError(error, 'IDENTITY_EXISTS')) return { registered: false };
      throw error;
    }
  }

  /**
   * Logs in: asks for a challenge with a fresh nonce, checks the server's proof over it against
   * the pinned keys, signs the challenge with this device's key (audience = the pinned server id,
   * origin = the address this client connects to), sends it with the device certificate, and
   * keeps the bearer token (in the store too). Registers the identity first if the server does
   * not know it.
   */
  async authenticate(options: AuthenticateOptions = {}): Promise<TokenInfo> {
    const keys = await this.#unlock();
    const server = await this.#serverPin();
    for (let attempt = 0; ; attempt++) {
      const clientNonce = newClientNonce();
      const challenge = await this.#http.request('POST', '/v1/auth/challenge', {
        schema: challengeResponseSchema,
        body: { v: API_VERSION, clientNonce },
        expect: 201,
        // a new challenge is harmless: safe to send again on a kept-alive connection that closed
        idempotent: true,
      });
      if (challenge.audience !== server.serverId) {
        throw new BackboneError(
          'SERVER_KEY_CHANGED',
          `The server at ${server.url} now presents another identity (${challenge.audience}) than the one pinned (${server.serverId}). Do not log in; check the address and ask the server operator.`,
        );
      }
      const proven = verifyServerProof(challenge.proof, {
        signPublicKey: server.signPublicKey,
        clientNonce,
      });
      if (proven.boxPublicKey !== server.boxPublicKey) throw boxKeyChanged(server.url);
      const response = signAuthResponse(keys.device, {
        challenge,
        identity: keys.address,
        origin: loginOriginOf(this.#http.baseUrl),
      });
      try {
        const answer = await this.#http.request('POST', '/v1/auth/login', {
          schema: tokenResponseSchema,
          body: {
            v: API_VERSION,
            identity: keys.address,
            certificate: keys.deviceCertificate(this.#options.device),
            response,
            ...(options.scopes ? { scopes: options.scopes } : {}),
            ...(options.workspaceId ? { workspaceId: options.workspaceId } : {}),
            ...(options.ttlSeconds ? { ttlSeconds: options.ttlSeconds } : {}),
            ...(options.label ? { label: options.label } : {}),
          },
          expect: 201,
        });
        if (answer.info.identityId !== keys.address) {
          throw new BackboneError(
            'SERVER_INVALID_RESPONSE',
            'The server issued a token for another identity.',
          );
        }
        this.#token = answer.token;
        await this.#store.setToken(
          server.serverId,
          keys.address,
          storedToken(answer.token, answer.info),
        );
        return answer.info;
      } catch (error) {
        if (attempt === 0 && isBackboneError(error, 'AUTH_IDENTITY_UNKNOWN')) {
          await this.registerIdentity();
          continue;
        }
        throw error;
      }
    }
  }

  /** Logs out: revokes the current token (and those derived from it) and forgets it. */
  async logout(): Promise<void> {
    const token = await this.#currentToken();
    if (token === undefined) return;
    try {
      await this.#http.request('DELETE', '/v1/auth/tokens/current', {
        schema: revokeTokenResponseSchema,
        token,
      });
    } catch (error) {
      if (!isTokenProblem(error)) throw error;
    } finally {
      await this.#forgetToken();
    }
  }

  /**
   * Password access from a brand-new machine: with only the server, workspace, username and
   * password, runs SPAKE2+EE, receives the keyfile blob, opens it with the same password and
   * returns a client ready to `authenticate()`. The client gets a **fresh device key** (its own
   * device certificate, signed with the recovered identity key), so each machine can be revoked
   * on its own; save it with `exportKeyfile`.
   */
  static async fromCredentials(options: FromCredentialsOptions): Promise<BackboneClient> {
    await cryptoReady();
    const { password, ...rest } = options;
    const probe = new BackboneClient({ ...rest });
    const server = await probe.server();
    const conn = await (options.connectWebSocket ?? defaultConnect)(
      webSocketUrl(probe.serverUrl, PASSWORD_ACCESS_PATH),
    );
    const blob = await passwordLogin(conn, {
      workspace: options.workspace,
      username: options.username,
      password,
      serverId: server.serverId,
      ...(options.argon2id ? { argon2id: options.argon2id } : {}),
      ...(options.testOnly?.passwordAccessRandom
        ? { testOnlyRandom: options.testOnly.passwordAccessRandom }
        : {}),
    });
    let keyfile: Keyfile;
    try {
      keyfile = parseKeyfile(fromUtf8(blob));
    } finally {
      sodium().memzero(blob);
    }
    const unlocked = unlockKeyfile(keyfile, password, {
      testOnlyAllowWeakParams: options.testOnly?.weakKdf === true,
    });
    sodium().memzero(unlocked.deviceSignKeyPair.secretKey);
    try {
      return new BackboneClient({
        ...rest,
        privateKey: { rootSecret: unlocked.rootSecret, deviceSignKeyPair: generateSignKeyPair() },
      });
    } finally {
      sodium().memzero(unlocked.rootSecret);
    }
  }

  /** Wipes the keys held in memory. */
  close(): void {
    this.vault.forget();
    this.#keys?.wipe();
    this.#keys = undefined;
    if (this.#privateKey) {
      // fill(0): libsodium may not be loaded yet if the keys were never used
      this.#privateKey.rootSecret.fill(0);
      this.#privateKey.deviceSignKeyPair.secretKey.fill(0);
      this.#privateKey = undefined;
    }
    this.#keysPromise = undefined;
  }

  // -------------------------------------------------------------------------------------------

  #checkIdentity(keys: ClientKeys): void {
    const expected = this.#options.identity;
    if (expected !== undefined && expected !== keys.address) {
      throw new BackboneError(
        'INVALID_ARGUMENT',
        `The keyfile holds identity ${keys.address}, not ${expected} as expected.`,
      );
    }
  }

  async #unlock(): Promise<ClientKeys> {
    if (this.#keys) return this.#keys;
    this.#keysPromise ??= (async () => {
      await cryptoReady();
      if (this.#privateKey !== undefined) {
        const given = this.#privateKey;
        this.#privateKey = undefined;
        try {
          const keys = new ClientKeys(given, this.#options.deviceCertificate);
          this.#checkIdentity(keys);
          this.#keys = keys;
          return keys;
        } finally {
          sodium().memzero(given.rootSecret);
          sodium().memzero(given.deviceSignKeyPair.secretKey);
        }
      }
      if (this.#options.keyfile === undefined) {
        throw new BackboneError(
          'INVALID_ARGUMENT',
          'This client has no keys: give it a keyfile (with its passphrase) or a privateKey.',
        );
      }
      const source = this.#options.keyfile;
      const keyfile = isKeyfileLocation(source) ? await source.read() : source;
      const privateKey = await unlockClientKeyfile(keyfile, this.#options.passphrase, {
        testOnlyAllowWeakParams: this.#options.testOnly?.weakKdf === true,
      });
      try {
        const keys = new ClientKeys(privateKey, this.#options.deviceCertificate);
        this.#checkIdentity(keys);
        this.#keys = keys;
        return keys;
      } finally {
        sodium().memzero(privateKey.rootSecret);
        sodium().memzero(privateKey.deviceSignKeyPair.secretKey);
      }
    })();
    try {
      return await this.#keysPromise;
    } catch (error) {
      this.#keysPromise = undefined;
      throw error;
    }
  }

  #canUnlock(): boolean {
    return (
      this.#keys !== undefined ||
      this.#privateKey !== undefined ||
      (this.#options.keyfile !== undefined && this.#options.passphrase !== undefined)
    );
  }

  #address(): string | undefined {
    return this.#keys?.address ?? this.#options.identity;
  }

  async #serverPin(): Promise<ServerPin> {
    if (this.#server) return this.#server;
    await cryptoReady();
    const url = this.#http.baseUrl;
    const stored = await this.#store.getServerPin(url);
    if (stored) {
      this.#server = stored;
      return stored;
    }
    const proven = await this.#provenServerKeys();
    const pin: ServerPin = { url, ...proven };
    await this.#store.setServerPin(pin);
    this.#server = pin;
    return pin;
  }

  /**
   * Asks `GET /v1/server` with a fresh nonce and checks the answer: the id names the signing key
   * and that key signed the box key and this nonce (`SERVER_PROOF_INVALID` otherwise).
   */
  async #provenServerKeys(): Promise<ProvenServerKeys> {
    const nonce = newClientNonce();
    const info = await this.#http.request('GET', `/v1/server?nonce=${nonce}`, {
      schema: serverInfoResponseSchema,
      expect: 200,
    });
    return verifiedServerKeys(info, nonce);
  }

  async #currentToken(): Promise<string | undefined> {
    if (this.#token !== undefined) return this.#token;
    const address = this.#address();
    if (address === undefined) return undefined;
    const server = await this.#serverPin();
    const stored = await this.#store.getToken(server.serverId, address);
    if (stored && Date.parse(stored.expiresAt) > Date.now() + 5_000) {
      this.#token = stored.token;
      return stored.token;
    }
    return undefined;
  }

  async #forgetToken(): Promise<void> {
    this.#token = undefined;
    const address = this.#address();
    if (address === undefined) return;
    const server = await this.#serverPin();
    await this.#store.deleteToken(server.serverId, address);
  }

  async #authorized<T>(call: (token: string) => Promise<T>): Promise<T> {
    const auto = this.#options.autoAuthenticate !== false;
    let token = await this.#currentToken();
    if (token === undefined) {
      if (!auto || !this.#canUnlock()) {
        throw new BackboneError(
          'AUTH_REQUIRED',
          'Not logged in to this server. Log in first (backbone authenticate).',
        );
      }
      await this.authenticate();
      token = await this.#currentToken();
      if (token === undefined) throw new BackboneError('INTERNAL', 'Login gave no token.');
      return call(token);
    }
    try {
      return await call(token);
    } catch (error) {
      if (!isTokenProblem(error) || !auto || !this.#canUnlock()) {
        if (isTokenProblem(error)) await this.#forgetToken();
        throw error;
      }
      await this.#forgetToken();
      await this.authenticate();
      const fresh = await this.#currentToken();
      if (fresh === undefined) throw error;
      return call(fresh);
    }
  }

  async #registerPassword(
    op: 'register' | 'change',
    password: string | Uint8Array,
    options: { params?: PwhashParams } = {},
  ): Promise<void> {
    const workspace = requireOption(this.#options.workspace, 'workspace');
    const username = requireOption(this.#options.username, 'username');
    const keys = await this.#unlock();
    const server = await this.#serverPin();
    // Seal only to a box key the server proves now, with a fresh nonce, and that is the pinned
    // one: a pin made before proofs existed (or planted) is checked here too.
    const proven = await this.#provenServerKeys();
    if (proven.serverId !== server.serverId || proven.boxPublicKey !== server.boxPublicKey) {
      throw boxKeyChanged(server.url);
    }
    // The blob carries RS with a throwaway device key: a new machine makes its own device key.
    const keyOptions = {
      freshDeviceKey: true,
      testOnlyAllowWeakParams: this.#options.testOnly?.weakKdf === true,
    };
    const argon2id = this.#options.argon2id;
    const keyfile = argon2id
      ? await keys.toKeyfileWith(argon2id, password, keyOptions)
      : keys.toKeyfile(password, keyOptions);
    const blob = utf8(serializeKeyfile(keyfile));
    const random = this.#options.testOnly?.passwordAccessRandom;
    await this.#authorized(async (token) => {
      const conn = await (this.#options.connectWebSocket ?? defaultConnect)(
        webSocketUrl(this.#http.baseUrl, PASSWORD_ACCESS_PATH),
      );
      const run = op === 'register' ? passwordRegister : passwordChange;
      await run(conn, {
        workspace,
        username,
        password,
        serverId: server.serverId,
        serverBoxPublicKey: fromBase64Url(proven.boxPublicKey),
        token,
        keyfileBlob: blob,
        ...(options.params ? { params: options.params } : {}),
        ...(argon2id ? { argon2id } : {}),
        ...(random ? { testOnlyRandom: random } : {}),
      });
    });
  }
}

function boxKeyChanged(url: string): BackboneError {
  return new BackboneError(
    'SERVER_KEY_CHANGED',
    `The server at ${url} now presents other keys than the ones pinned. Nothing was sent; check the address and ask the server operator.`,
  );
}

function storedToken(token: string, info: TokenInfo): StoredToken {
  return {
    token,
    tokenId: info.id,
    expiresAt: info.expiresAt,
    scopes: [...info.scopes],
    workspaceId: info.workspaceId,
  };
}

const TOKEN_PROBLEMS = new Set([
  'AUTH_REQUIRED',
  'AUTH_TOKEN_INVALID',
  'AUTH_TOKEN_EXPIRED',
  'AUTH_TOKEN_REVOKED',
]);

function isTokenProblem(error: unknown): boolean {
  return isBackboneError(error) && TOKEN_PROBLEMS.has(error.code);
}

function requireOption(value: string | undefined, name: string): string {
  if (value === undefined || value === '') {
    throw new BackboneError('INVALID_ARGUMENT', `This needs the client's ${name}.`);
  }
  return value;
}

/** `http(s)://host/base` + path → `ws(s)://host/base/path`. */
export function webSocketUrl(baseUrl: string, path: string): string {
  return baseUrl.replace(/^http/, 'ws') + path;
}

function defaultConnect(url: string): Promise<PasswordAccessConnection> {
  const proc = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return proc?.versions?.node !== undefined
    ? connectNodeWebSocket(url)
    : connectBrowserWebSocket(url);
}

export { ServerError };
