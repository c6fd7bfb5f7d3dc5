/**
 * What every `backbone` client command shares: global options, the profile, building an SDK
 * client from it, passphrases, output (`--json` or text) and exit codes.
 *
 * Exit codes (documented in docs/cli.md):
 *   0 ok · 1 other error · 2 usage (bad arguments, missing confirmation) · 3 not allowed
 *   (login failed, wrong passphrase, forbidden) · 4 not found · 5 conflict (exists already,
 *   concurrent change, no-op) · 6 verification failed (fork, rollback, bad signature, changed
 *   server key, malformed server answer) · 7 server unreachable or unavailable.
 */
import type { Command } from 'commander';
import {
  PWHASH_DEFAULT_PARAMS,
  createKeyfile,
  cryptoReady,
  deriveIdentity,
  identityAddress,
  randomBytes,
  safetyNumber,
  sodium,
  toBase64Url,
  createDeviceCertificate,
  type PwhashParams,
} from '../src-shared/crypto/index.js';
import { isKnownErrorCode } from '../src-shared/api/common.js';
import { BackboneError, isBackboneError, type ErrorCode } from '../src-shared/errors.js';
import { BackboneClient, type BackboneClientOptions } from '../src-shared/sdk/client.js';
import {
  ServerError,
  assertSecureTransport,
  normalizeServerUrl,
  type HttpOptions,
} from '../src-shared/sdk/http.js';
import { VerificationError } from '../src-shared/sdk/workspaces.js';
import { Profile, resolveHome, type ProfileData } from '../src-shared/node/profile.js';
import { PromptUnavailable, confirm, isInteractive, promptHidden } from './prompt.js';

export const EXIT = {
  OK: 0,
  ERROR: 1,
  USAGE: 2,
  FORBIDDEN: 3,
  NOT_FOUND: 4,
  CONFLICT: 5,
  VERIFICATION: 6,
  UNREACHABLE: 7,
} as const;

/** A command-line failure with its own exit code. */
export class CliError extends Error {
  constructor(
    readonly exitCode: number,
    message: string,
    readonly code: string = 'CLI_ERROR',
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export function usage(message: string): CliError {
  return new CliError(EXIT.USAGE, message, 'USAGE');
}

const BY_CODE: Partial<Record<ErrorCode, number>> = {
  INVALID_ARGUMENT: EXIT.USAGE,
  INVALID_REQUEST: EXIT.USAGE,
  INVITATION_INVALID: EXIT.USAGE,
  UNSUPPORTED_VERSION: EXIT.ERROR,
  AUTH_REQUIRED: EXIT.FORBIDDEN,
  AUTH_TOKEN_INVALID: EXIT.FORBIDDEN,
  AUTH_TOKEN_EXPIRED: EXIT.FORBIDDEN,
  AUTH_TOKEN_REVOKED: EXIT.FORBIDDEN,
  AUTH_DEVICE_REVOKED: EXIT.FORBIDDEN,
  AUTH_CHALLENGE_INVALID: EXIT.FORBIDDEN,
  AUTH_CHALLENGE_EXPIRED: EXIT.FORBIDDEN,
  AUTH_SIGNATURE_INVALID: EXIT.FORBIDDEN,
  AUTH_CERTIFICATE_INVALID: EXIT.FORBIDDEN,
  AUTH_IDENTITY_UNKNOWN: EXIT.FORBIDDEN,
  FORBIDDEN: EXIT.FORBIDDEN,
  SCOPE_NOT_ALLOWED: EXIT.FORBIDDEN,
  MEMBERSHIP_FORBIDDEN: EXIT.FORBIDDEN,
  KEYFILE_WRONG_PASSWORD: EXIT.FORBIDDEN,
  PAKE_ABORTED: EXIT.FORBIDDEN,
  PAKE_LOCKED_OUT: EXIT.FORBIDDEN,
  PAKE_RATE_LIMITED: EXIT.FORBIDDEN,
  NOT_FOUND: EXIT.NOT_FOUND,
  MEMBERSHIP_UNKNOWN_MEMBER: EXIT.NOT_FOUND,
  IDENTITY_EXISTS: EXIT.CONFLICT,
  DEVICE_EXISTS: EXIT.CONFLICT,
  DEVICE_REVOKED: EXIT.CONFLICT,
  TOKEN_LIMIT_REACHED: EXIT.CONFLICT,
  WORKSPACE_EXISTS: EXIT.CONFLICT,
  MEMBERSHIP_CONFLICT: EXIT.CONFLICT,
  MEMBERSHIP_INVALID: EXIT.CONFLICT,
  MEMBERSHIP_ROTATION_REQUIRED: EXIT.CONFLICT,
  MEMBERSHIP_FORK: EXIT.VERIFICATION,
  MEMBERSHIP_FINGERPRINT_REQUIRED: EXIT.VERIFICATION,
  MEMBERSHIP_ROLLBACK: EXIT.VERIFICATION,
  MEMBERSHIP_BAD_SIGNATURE: EXIT.VERIFICATION,
  MEMBERSHIP_BROKEN_CHAIN: EXIT.VERIFICATION,
  MEMBERSHIP_WRONG_WORKSPACE: EXIT.VERIFICATION,
  INVITATION_BAD_SIGNATURE: EXIT.VERIFICATION,
  NAMING_KEY_INVALID: EXIT.VERIFICATION,
  CRYPTO_BAD_SIGNATURE: EXIT.VERIFICATION,
  STATEMENT_INVALID: EXIT.VERIFICATION,
  CRYPTO_PARAMS_BELOW_FLOOR: EXIT.VERIFICATION,
  CRYPTO_DECRYPT_FAILED: EXIT.VERIFICATION,
  CRYPTO_STREAM_TRUNCATED: EXIT.VERIFICATION,
  SERVER_KEY_CHANGED: EXIT.VERIFICATION,
  SERVER_PROOF_INVALID: EXIT.VERIFICATION,
  CRYPTO_PARAMS_ABOVE_CEILING: EXIT.VERIFICATION,
  AUTH_ORIGIN_MISMATCH: EXIT.VERIFICATION,
  INSECURE_TRANSPORT: EXIT.USAGE,
  SERVER_INVALID_RESPONSE: EXIT.VERIFICATION,
  STORE_VALUE_TOO_LARGE: EXIT.USAGE,
  STORE_INVALID_PATH: EXIT.USAGE,
  STORE_FORBIDDEN: EXIT.FORBIDDEN,
  STORE_NO_KEY: EXIT.FORBIDDEN,
  STORE_NOT_FOUND: EXIT.NOT_FOUND,
  STORE_EXPIRED: EXIT.NOT_FOUND,
  STORE_CONFLICT: EXIT.CONFLICT,
  STORE_INVALID_RECORD: EXIT.VERIFICATION,
  STORE_BAD_SIGNATURE: EXIT.VERIFICATION,
  STORE_TAMPERED: EXIT.VERIFICATION,
  STORE_STALE: EXIT.VERIFICATION,
  STORE_SEEN_DAMAGED: EXIT.VERIFICATION,
  SERVER_UNREACHABLE: EXIT.UNREACHABLE,
  REQUEST_TIMEOUT: EXIT.UNREACHABLE,
  UNAVAILABLE: EXIT.UNREACHABLE,
  CONNECTION_CLOSED: EXIT.UNREACHABLE,
};

function byStatus(status: number): number {
  if (status === 400) return EXIT.USAGE;
  if (status === 401 || status === 403) return EXIT.FORBIDDEN;
  if (status === 404) return EXIT.NOT_FOUND;
  if (status === 409) return EXIT.CONFLICT;
  if (status >= 500) return EXIT.UNREACHABLE;
  return EXIT.ERROR;
}

/** The exit code for an error. */
export function exitCodeFor(error: unknown): number {
  if (error instanceof CliError) return error.exitCode;
  if (error instanceof VerificationError) return EXIT.VERIFICATION;
  if (error instanceof ServerError) {
    // What the server says about our own request; a code we know wins, else the status.
    return isKnownErrorCode(error.serverCode)
      ? (BY_CODE[error.code] ?? byStatus(error.status))
      : byStatus(error.status);
  }
  if (isBackboneError(error)) return BY_CODE[error.code] ?? EXIT.ERROR;
  return EXIT.ERROR;
}

export interface GlobalOptions {
  server?: string;
  home?: string;
  json?: boolean;
  /** Allow plain http:// to a non-loopback server. */
  insecureHttp?: boolean;
}

/** The test-only weak KDF switch: `BACKBONE_TEST_WEAK_KDF=1`, honoured only with NODE_ENV=test. */
export function weakKdfForTests(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.BACKBONE_TEST_WEAK_KDF === '1' && env.NODE_ENV === 'test';
}

/** Argon2id parameters for new keyfiles (the floor; tiny in tests with the weak switch). */
export function keyfileParams(env: NodeJS.ProcessEnv = process.env): PwhashParams {
  return weakKdfForTests(env) ? { opslimit: 1, memlimit: 8 * 1024 * 1024 } : PWHASH_DEFAULT_PARAMS;
}

export class CliContext {
  readonly profile: Profile;
  readonly json: boolean;
  readonly env: NodeJS.ProcessEnv;
  private data: ProfileData | undefined;
  private passphrase: string | undefined;

  constructor(
    readonly options: GlobalOptions,
    env: NodeJS.ProcessEnv = process.env,
  ) {
    this.env = env;
    this.profile = new Profile(resolveHome(options.home, env));
    this.json = options.json === true;
  }

  static of(command: Command): CliContext {
    return new CliContext(command.optsWithGlobals<GlobalOptions>());
  }

  async profileData(): Promise<ProfileData> {
    this.data ??= await this.profile.read();
    return this.data;
  }

  /** Forgets the cached profile data (after another writer changed it). */
  reload(): void {
    this.data = undefined;
  }

  async updateProfile(change: (data: ProfileData) => ProfileData | void): Promise<ProfileData> {
    this.data = await this.profile.update(change);
    return this.data;
  }

  /** The server URL: --server, else BACKBONE_SERVER, else the profile's. */
  async serverUrl(): Promise<string> {
    const chosen =
      this.options.server ??
      nonEmpty(this.env.BACKBONE_SERVER) ??
      (await this.profileData()).server;
    if (chosen === undefined) {
      throw usage('No server given. Use --server URL or set BACKBONE_SERVER.');
    }
    try {
      const url = normalizeServerUrl(chosen);
      assertSecureTransport(url, this.options.insecureHttp === true);
      return url;
    } catch (error) {
      throw usage(error instanceof Error ? error.message : String(error));
    }
  }

  /** HTTP settings for every client: timeout, and `--insecure-http`. */
  httpOptions(): HttpOptions {
    return {
      timeoutMs: Number(this.env.BACKBONE_TIMEOUT_MS) || 30_000,
      ...(this.options.insecureHttp === true ? { allowInsecureHttp: true } : {}),
    };
  }

  /** The passphrase of the profile's keyfile: BACKBONE_PASSPHRASE, else asked once. */
  async existingPassphrase(): Promise<string> {
    if (this.passphrase !== undefined) return this.passphrase;
    const fromEnv = this.env.BACKBONE_PASSPHRASE;
    if (fromEnv !== undefined && fromEnv !== '') {
      this.passphrase = fromEnv;
      return fromEnv;
    }
    try {
      this.passphrase = await promptHidden('Passphrase for this Backbone profile: ');
    } catch (error) {
      if (error instanceof PromptUnavailable) {
        throw usage(
          'The keyfile passphrase is needed. Set BACKBONE_PASSPHRASE or run this in a terminal.',
        );
      }
      throw error;
    }
    return this.passphrase;
  }

  /** A new passphrase (asked twice), or BACKBONE_PASSPHRASE. */
  async newPassphrase(what = 'a passphrase for the new keyfile'): Promise<string> {
    const fromEnv = this.env.BACKBONE_PASSPHRASE;
    if (fromEnv !== undefined && fromEnv !== '') {
      this.passphrase = fromEnv;
      return fromEnv;
    }
    if (!isInteractive()) {
      throw usage(`Choose ${what}: set BACKBONE_PASSPHRASE or run this in a terminal.`);
    }
    for (;;) {
      const first = await promptHidden(`Choose ${what}: `);
      if (first.length < 8) {
        this.note('Use at least 8 characters.');
        continue;
      }
      const second = await promptHidden('Repeat it: ');
      if (first === second) {
        this.passphrase = first;
        return first;
      }
      this.note('The two did not match; try again.');
    }
  }

  /** A password for password access: BACKBONE_PASSWORD, else asked twice. */
  async accessPassword(confirmTwice: boolean): Promise<string> {
    const fromEnv = this.env.BACKBONE_PASSWORD;
    if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
    if (!isInteractive()) {
      throw usage('The password is needed. Set BACKBONE_PASSWORD or run this in a terminal.');
    }
    for (;;) {
      const first = await promptHidden('Password: ');
      if (!confirmTwice) return first;
      if (first.length < 8) {
        this.note('Use at least 8 characters.');
        continue;
      }
      if (first === (await promptHidden('Repeat it: '))) return first;
      this.note('The two did not match; try again.');
    }
  }

  /**
   * Makes the profile's identity if there is none yet: a new root secret and device key in a
   * keyfile under a new passphrase, and a device certificate. Returns true if it made one.
   */
  async ensureIdentity(
    options: { displayName?: string; deviceName?: string } = {},
  ): Promise<boolean> {
    if (await this.profile.hasKeyfile()) {
      if ((await this.profileData()).identity === undefined) {
        throw new CliError(
          EXIT.ERROR,
          `${this.profile.keyfileFile} exists but ${this.profile.profileFile} has no identity. Restore the profile or use another --home.`,
        );
      }
      return false;
    }
    await cryptoReady();
    const passphrase = await this.newPassphrase();
    const { keyfile, unlocked } = createKeyfile(passphrase, {
      params: keyfileParams(this.env),
      testOnlyAllowWeakParams: weakKdfForTests(this.env),
    });
    const identity = deriveIdentity(unlocked.rootSecret);
    try {
      const deviceName = options.deviceName ?? defaultDeviceName();
      const certificate = createDeviceCertificate(identity.signKeyPair, {
        devicePublicKey: unlocked.deviceSignKeyPair.publicKey,
        name: deviceName,
        platform: process.platform,
        created: new Date(),
      });
      await this.profile.saveIdentity(keyfile, {
        address: identityAddress(identity.signKeyPair.publicKey),
        safetyNumber: safetyNumber(identity.signKeyPair.publicKey, identity.boxKeyPair.publicKey),
        signPublicKey: toBase64Url(identity.signKeyPair.publicKey),
        boxPublicKey: toBase64Url(identity.boxKeyPair.publicKey),
        displayName: options.displayName ?? 'Backbone user',
        deviceId: toBase64Url(unlocked.deviceSignKeyPair.publicKey),
        deviceName,
        deviceCertificate: certificate,
        createdAt: new Date().toISOString(),
      });
    } finally {
      sodium().memzero(unlocked.rootSecret);
      sodium().memzero(unlocked.deviceSignKeyPair.secretKey);
      sodium().memzero(identity.signKeyPair.secretKey);
      sodium().memzero(identity.boxKeyPair.secretKey);
    }
    this.data = undefined;
    return true;
  }

  /** An SDK client over the profile (keys are opened only when a command needs them). */
  /** Runs `task` with a client for this profile and closes the client afterwards. */
  async withClient<T>(
    task: (client: BackboneClient) => Promise<T>,
    overrides: Parameters<CliContext['client']>[0] = {},
  ): Promise<T> {
    const client = await this.client(overrides);
    try {
      return await task(client);
    } finally {
      client.close();
    }
  }

  async client(
    overrides: { workspace?: string; username?: string; requireIdentity?: boolean } = {},
  ): Promise<BackboneClient> {
    await cryptoReady();
    const data = await this.profileData();
    const server = await this.serverUrl();
    const hasKeyfile = await this.profile.hasKeyfile();
    if (overrides.requireIdentity !== false && (!hasKeyfile || data.identity === undefined)) {
      throw new CliError(
        EXIT.NOT_FOUND,
        `There is no identity in ${this.profile.dir}. Create one with "backbone identity create" (or use --home).`,
        'NO_IDENTITY',
      );
    }
    const options: BackboneClientOptions = {
      server,
      store: this.profile.store(),
      http: this.httpOptions(),
      ...(weakKdfForTests(this.env)
        ? { testOnly: { weakKdf: true, passwordAccessRandom: randomBytes } }
        : {}),
    };
    const workspace = overrides.workspace ?? data.workspace;
    const username = overrides.username ?? data.username;
    if (workspace !== undefined) options.workspace = workspace;
    if (username !== undefined) options.username = username;
    if (hasKeyfile && data.identity !== undefined) {
      const identity = data.identity;
      options.keyfile = this.profile.keyfileLocation();
      options.passphrase = () => this.existingPassphrase();
      options.identity = identity.address;
      options.displayName = identity.displayName;
      options.device = { name: identity.deviceName, platform: process.platform };
      options.deviceCertificate = this.profile.deviceCertificate(data);
    }
    return new BackboneClient(options);
  }

  /** The workspace id: explicit, else the profile's current one. */
  async workspaceId(explicit?: string): Promise<string> {
    const id = explicit ?? (await this.profileData()).workspace;
    if (id === undefined) {
      throw usage(
        'No workspace chosen. Use "backbone authenticate WORKSPACE USERNAME" or --workspace.',
      );
    }
    return id;
  }

  /** Asks for confirmation unless --yes; refuses without a terminal. */
  async confirm(question: string, yes: boolean | undefined): Promise<void> {
    if (yes === true) return;
    let ok: boolean;
    try {
      ok = await confirm(question);
    } catch (error) {
      if (error instanceof PromptUnavailable) {
        throw usage('This needs confirmation: run it in a terminal or add --yes.');
      }
      throw error;
    }
    if (!ok) throw new CliError(EXIT.ERROR, 'Cancelled; nothing was changed.', 'CANCELLED');
  }

  /** Prints a result: JSON on stdout with --json, else the text lines. */
  out(value: unknown, text: string | string[]): void {
    if (this.json) {
      process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
    } else {
      const lines = Array.isArray(text) ? text : [text];
      if (lines.length > 0) process.stdout.write(`${lines.join('\n')}\n`);
    }
  }

  /** A note for people, on stderr (never in --json output). */
  note(text: string): void {
    process.stderr.write(`${text}\n`);
  }
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

function defaultDeviceName(): string {
  return `backbone CLI (${process.platform})`;
}

/** Prints an error (JSON on stderr with --json) and returns the exit code. */
export function reportError(error: unknown, json: boolean): number {
  const exitCode = exitCodeFor(error);
  const code =
    error instanceof CliError ? error.code : isBackboneError(error) ? error.code : 'INTERNAL';
  const message =
    error instanceof Error && (error instanceof CliError || isBackboneError(error))
      ? error.message
      : `Unexpected failure: ${error instanceof Error ? error.message : String(error)}`;
  if (json) {
    process.stderr.write(`${JSON.stringify({ error: { code, message, exitCode } })}\n`);
  } else {
    process.stderr.write(`backbone: ${message} [${code}]\n`);
  }
  return exitCode;
}

/** Wraps a command action: errors become a message and an exit code. */
export function action<A extends unknown[]>(
  run: (ctx: CliContext, ...args: A) => Promise<void>,
): (...args: A) => Promise<void> {
  return async (...args: A) => {
    const command = args[args.length - 1] as Command;
    let json = false;
    try {
      const ctx = CliContext.of(command);
      json = ctx.json;
      await run(ctx, ...args);
    } catch (error) {
      process.exitCode = reportError(error, json);
    }
  };
}

export { BackboneError };
