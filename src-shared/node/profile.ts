/**
 * A CLI profile: one directory (`--home`, `BACKBONE_HOME`, default `~/.backbone`) that holds one
 * identity and what the client remembers:
 *
 *   profile.json   identity public facts, this device's certificate, current server/workspace/user
 *   keyfile.json   RS + device key under the passphrase (crypto/keyfile.ts), mode 0600
 *   pins.json      pinned server keys; pinned workspace genesis hashes and verified heads
 *   tokens.json    bearer tokens (per server and identity), mode 0600
 *   store-seen.json  the store's rollback memory per workspace, sealed by the SDK
 *                  (sdk/seen-file.ts), changed only under `store-seen.json.lock`, mode 0600
 *
 * The directory is made with mode 0700 (an existing one is tightened to 0700, its files to 0600,
 * when the profile is first used); every file is written atomically (temp file, fsync, rename).
 * `ProfileStore` is the SDK's `ClientStore` over pins.json and tokens.json; pins are changed by
 * read-merge-write under a cross-process lock (`pins.json.lock`, node/file-lock.ts), and the merge
 * never lowers a verified head nor replaces a pinned server key, even with concurrent processes.
 */
import { chmod, lstat, mkdir, readFile, readdir, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from './atomic-file.js';
import { readKeyfile, writeKeyfileAtomic } from './keyfile-file.js';
import { withFileLock } from './file-lock.js';
import { SignedStatementSchema, type DeviceCertificate, type Keyfile } from '../crypto/index.js';
import { BackboneError } from '../errors.js';
import { storeSeenDamaged } from '../sdk/seen-file.js';
import type {
  ClientStore,
  KeyfileLocation,
  ServerPin,
  StoreSeenUpdate,
  StoredToken,
  WorkspacePin,
} from '../sdk/store.js';

export const PROFILE_VERSION = 1;

/** The profile directory: explicit, else `BACKBONE_HOME`, else `~/.backbone`. */
export function resolveHome(explicit?: string, env: NodeJS.ProcessEnv = process.env): string {
  const chosen = explicit ?? env.BACKBONE_HOME;
  if (chosen !== undefined && chosen !== '') return path.resolve(chosen);
  return path.join(os.homedir(), '.backbone');
}

const ProfileSchema = z.strictObject({
  v: z.literal(PROFILE_VERSION),
  identity: z
    .strictObject({
      address: z.string(),
      safetyNumber: z.string(),
      signPublicKey: z.string(),
      boxPublicKey: z.string(),
      displayName: z.string(),
      deviceId: z.string(),
      deviceName: z.string(),
      deviceCertificate: SignedStatementSchema,
      createdAt: z.string(),
    })
    .optional(),
  server: z.string().optional(),
  workspace: z.string().optional(),
  username: z.string().optional(),
});
export type ProfileData = z.infer<typeof ProfileSchema>;
export type ProfileIdentity = NonNullable<ProfileData['identity']>;

const LogHeadSchema = z.strictObject({ seq: z.number().int().min(0), hash: z.string() });
const PinsSchema = z.strictObject({
  v: z.literal(PROFILE_VERSION),
  servers: z.record(
    z.string(),
    z.strictObject({
      url: z.string(),
      serverId: z.string(),
      boxPublicKey: z.string(),
      signPublicKey: z.string(),
    }),
  ),
  workspaces: z.record(
    z.string(),
    z.strictObject({ genesisHash: z.string(), head: LogHeadSchema }),
  ),
});
type Pins = z.infer<typeof PinsSchema>;

const TokensSchema = z.strictObject({
  v: z.literal(PROFILE_VERSION),
  tokens: z.record(
    z.string(),
    z.strictObject({
      token: z.string(),
      tokenId: z.string(),
      expiresAt: z.string(),
      scopes: z.array(z.string()),
      workspaceId: z.string().nullable(),
    }),
  ),
});
type Tokens = z.infer<typeof TokensSchema>;

function damaged(file: string, cause?: unknown): BackboneError {
  return new BackboneError(
    'INVALID_ARGUMENT',
    `The profile file ${file} is damaged or from a newer Backbone. Fix or remove it.`,
    cause === undefined ? undefined : { cause },
  );
}

async function readJson<T>(file: string, schema: z.ZodType<T>, empty: T): Promise<T> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return empty;
    throw error;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw damaged(file, cause);
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw damaged(file);
  return parsed.data;
}

/**
 * Tightens an existing profile directory to 0700 and its regular files to 0600 (a directory
 * made by hand, or by an older version, may be readable by others). Not on Windows (no modes).
 */
async function tightenModes(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  let info;
  try {
    info = await lstat(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  if (!info.isDirectory()) return;
  if ((info.mode & 0o777) !== 0o700) await chmod(dir, 0o700);
  for (const name of await readdir(dir)) {
    const file = path.join(dir, name);
    try {
      const entry = await lstat(file);
      if (entry.isFile() && (entry.mode & 0o077) !== 0) await chmod(file, 0o600);
    } catch {
      // removed meanwhile
    }
  }
}

export class Profile {
  readonly dir: string;
  #secured: Promise<void> | undefined;

  constructor(dir: string) {
    this.dir = dir;
  }

  /** Tightens the directory's modes once per Profile (see `tightenModes`). */
  secure(): Promise<void> {
    this.#secured ??= tightenModes(this.dir).catch((error: unknown) => {
      this.#secured = undefined;
      throw error;
    });
    return this.#secured;
  }

  get profileFile(): string {
    return path.join(this.dir, 'profile.json');
  }
  get keyfileFile(): string {
    return path.join(this.dir, 'keyfile.json');
  }
  get pinsFile(): string {
    return path.join(this.dir, 'pins.json');
  }
  get tokensFile(): string {
    return path.join(this.dir, 'tokens.json');
  }
  get storeSeenFile(): string {
    return path.join(this.dir, 'store-seen.json');
  }

  async ensureDir(): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    await this.secure();
  }

  async read(): Promise<ProfileData> {
    await this.secure();
    return readJson(this.profileFile, ProfileSchema, { v: PROFILE_VERSION });
  }

  async update(change: (data: ProfileData) => ProfileData | void): Promise<ProfileData> {
    await this.ensureDir();
    const data = await this.read();
    const next = change(data) ?? data;
    await writeFileAtomic(
      this.profileFile,
      `${JSON.stringify(ProfileSchema.parse(next), null, 2)}\n`,
    );
    return next;
  }

  async hasKeyfile(): Promise<boolean> {
    try {
      await stat(this.keyfileFile);
      return true;
    } catch {
      return false;
    }
  }

  async readKeyfile(): Promise<Keyfile> {
    return readKeyfile(this.keyfileFile);
  }

  async writeKeyfile(keyfile: Keyfile): Promise<void> {
    await this.ensureDir();
    await writeKeyfileAtomic(this.keyfileFile, keyfile);
  }

  /** Saves a new identity: keyfile first, then its public facts. */
  async saveIdentity(keyfile: Keyfile, identity: ProfileIdentity): Promise<void> {
    await this.writeKeyfile(keyfile);
    await this.update((data) => ({ ...data, identity }));
  }

  deviceCertificate(data: ProfileData): DeviceCertificate | undefined {
    return data.identity?.deviceCertificate as DeviceCertificate | undefined;
  }

  /** The keyfile's location for the SDK (read only when the keys are needed). */
  keyfileLocation(): KeyfileLocation {
    return {
      read: () => this.readKeyfile(),
      write: (keyfile) => this.writeKeyfile(keyfile),
    };
  }

  store(): ProfileStore {
    return new ProfileStore(this);
  }
}

/** The SDK's pin and token store over pins.json and tokens.json. */
export class ProfileStore implements ClientStore {
  constructor(private readonly profile: Profile) {}

  private async readPins(): Promise<Pins> {
    await this.profile.secure();
    return readJson(this.profile.pinsFile, PinsSchema, {
      v: PROFILE_VERSION,
      servers: {},
      workspaces: {},
    });
  }

  private async writePins(pins: Pins): Promise<void> {
    await writeFileAtomic(this.profile.pinsFile, `${JSON.stringify(pins, null, 2)}\n`);
  }

  private async readTokens(): Promise<Tokens> {
    await this.profile.secure();
    return readJson(this.profile.tokensFile, TokensSchema, { v: PROFILE_VERSION, tokens: {} });
  }

  private async writeTokens(tokens: Tokens): Promise<void> {
    await this.profile.ensureDir();
    await writeFileAtomic(this.profile.tokensFile, `${JSON.stringify(tokens, null, 2)}\n`);
  }

  async getServerPin(url: string): Promise<ServerPin | undefined> {
    return (await this.readPins()).servers[url];
  }

  /** Read-merge-write of pins.json under its cross-process lock. */
  private async changePins(change: (pins: Pins) => boolean): Promise<void> {
    await this.profile.ensureDir();
    await withFileLock(this.profile.pinsFile, async () => {
      const pins = await this.readPins();
      if (change(pins)) await this.writePins(pins);
    });
  }

  async setServerPin(pin: ServerPin): Promise<void> {
    // The first key pinned for a URL stays (a concurrent process may have pinned it meanwhile).
    await this.changePins((pins) => {
      if (pins.servers[pin.url] !== undefined) return false;
      pins.servers[pin.url] = { ...pin };
      return true;
    });
  }

  async getWorkspacePin(serverId: string, workspaceId: string): Promise<WorkspacePin | undefined> {
    return (await this.readPins()).workspaces[`${serverId}/${workspaceId}`];
  }

  async setWorkspacePin(serverId: string, workspaceId: string, pin: WorkspacePin): Promise<void> {
    await this.changePins((pins) => {
      const key = `${serverId}/${workspaceId}`;
      const existing = pins.workspaces[key];
      // Never lower a verified head (another process may have verified further meanwhile).
      if (
        existing &&
        existing.genesisHash === pin.genesisHash &&
        existing.head.seq >= pin.head.seq
      ) {
        return false;
      }
      pins.workspaces[key] = { genesisHash: pin.genesisHash, head: { ...pin.head } };
      return true;
    });
  }

  async deleteWorkspacePin(serverId: string, workspaceId: string): Promise<void> {
    await this.changePins((pins) => {
      const key = `${serverId}/${workspaceId}`;
      if (!(key in pins.workspaces)) return false;
      delete pins.workspaces[key];
      return true;
    });
  }

  /** Every pinned workspace (for `workspace list`). */
  async workspacePins(): Promise<Record<string, WorkspacePin>> {
    return (await this.readPins()).workspaces;
  }

  async getToken(serverId: string, identity: string): Promise<StoredToken | undefined> {
    return (await this.readTokens()).tokens[`${serverId}/${identity}`];
  }

  async setToken(serverId: string, identity: string, token: StoredToken): Promise<void> {
    const tokens = await this.readTokens();
    tokens.tokens[`${serverId}/${identity}`] = { ...token, scopes: [...token.scopes] };
    await this.writeTokens(tokens);
  }

  async deleteToken(serverId: string, identity: string): Promise<void> {
    const tokens = await this.readTokens();
    if (!(`${serverId}/${identity}` in tokens.tokens)) return;
    delete tokens.tokens[`${serverId}/${identity}`];
    await this.writeTokens(tokens);
  }

  /**
   * The store's rollback memory per server/workspace in store-seen.json: values sealed by the
   * SDK (`sdk/seen-file.ts`), or the plaintext snapshots of an old (v1) file.
   */
  async getStoreSeen(serverId: string, workspaceId: string): Promise<unknown> {
    const file = await readStoreSeen(this.profile.storeSeenFile);
    const key = `${serverId}/${workspaceId}`;
    return file.kind === 'sealed' ? file.values[key] : file.legacy[key];
  }

  /**
   * Read-merge-write under the file's cross-process lock (`store-seen.json.lock`): `update.merge`
   * sees what is saved now, so a concurrent process's memory is kept. An old v1 file is
   * rewritten sealed as a whole (`update.migrate` for every other workspace in it).
   */
  async updateStoreSeen(
    serverId: string,
    workspaceId: string,
    update: StoreSeenUpdate,
  ): Promise<void> {
    await this.profile.ensureDir();
    const target = this.profile.storeSeenFile;
    await withFileLock(target, async () => {
      const file = await readStoreSeen(target);
      const key = `${serverId}/${workspaceId}`;
      const values: Record<string, string> = file.kind === 'sealed' ? { ...file.values } : {};
      if (file.kind === 'legacy') {
        for (const [other, legacy] of Object.entries(file.legacy)) {
          if (other === key) continue;
          const cut = other.lastIndexOf('/');
          if (cut <= 0) throw storeSeenDamaged();
          values[other] = update.migrate(other.slice(0, cut), other.slice(cut + 1), legacy);
        }
      }
      values[key] = update.merge(file.kind === 'sealed' ? file.values[key] : file.legacy[key]);
      const next: StoreSeenFile = { v: STORE_SEEN_FILE_VERSION, seen: values };
      await writeFileAtomic(target, `${JSON.stringify(next)}\n`, 0o600);
    });
  }
}

/** store-seen.json: `{v: 2, seen: {"<server>/<workspace>": sealed}}`; v1 was plaintext. */
const STORE_SEEN_FILE_VERSION = 2;
const StoreSeenFileSchema = z.strictObject({
  v: z.literal(STORE_SEEN_FILE_VERSION),
  seen: z.record(z.string(), z.string()),
});
type StoreSeenFile = z.infer<typeof StoreSeenFileSchema>;
/** v1: the plaintext `SeenVersions.toJSON()` per `server/workspace` (no version field). */
const LegacyStoreSeenSchema = z.record(z.string(), z.record(z.string(), z.unknown()));

type StoreSeenContent =
  | { kind: 'sealed'; values: Record<string, string> }
  | { kind: 'legacy'; legacy: Record<string, unknown> };

/** Reads store-seen.json; a file that is not one of the two layouts is `STORE_SEEN_DAMAGED`. */
async function readStoreSeen(file: string): Promise<StoreSeenContent> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'sealed', values: {} };
    throw error;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw storeSeenDamaged(cause);
  }
  const sealed = StoreSeenFileSchema.safeParse(value);
  if (sealed.success) return { kind: 'sealed', values: sealed.data.seen };
  const legacy = LegacyStoreSeenSchema.safeParse(value);
  if (legacy.success && !('v' in legacy.data)) return { kind: 'legacy', legacy: legacy.data };
  throw storeSeenDamaged();
}
