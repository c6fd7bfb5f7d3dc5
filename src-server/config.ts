/**
 * Server configuration from command-line flags and environment variables (flags win), with
 * defaults. Every value is checked; a bad one is refused with a message naming the flag and the
 * variable.
 */
import os from 'node:os';
import path from 'node:path';
import { BackboneError } from '../src-shared/errors.js';
import {
  isWithinCeiling,
  PWHASH_FLOORS,
  PWHASH_LIMITS,
  PWHASH_MAX_WORK,
  type PwhashParams,
} from '../src-shared/crypto/index.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface RateLimitConfig {
  /** Requests per minute from one IP address, any route. */
  ipPerMinute: number;
  /** Requests per minute from one IP to the unauthenticated auth/registration routes. */
  authPerMinute: number;
  /** Requests per minute by one identity (authenticated or identity-signed routes). */
  accountPerMinute: number;
}

export interface ServerConfig {
  host: string;
  port: number;
  /**
   * The origins (`https://host[:port]`) clients use to reach this server, e.g. the address of
   * the TLS reverse proxy in front of it. A login is accepted only if the origin signed into it
   * is one of these or the address the request's connection arrived at (docs/server.md).
   */
  publicUrls: string[];
  /** SQLite database and server key file live here (SQLite mode). */
  dataDir: string;
  /** Use PostgreSQL at this URL instead of SQLite. */
  postgresUrl: string | undefined;
  /** Largest accepted request body, bytes. */
  bodyLimit: number;
  /** Trust X-Forwarded-For from a reverse proxy (only behind one!). */
  trustProxy: boolean;
  logLevel: LogLevel;
  rateLimit: RateLimitConfig;
  /** Whole request (headers + body) must arrive within this time. */
  requestTimeoutMs: number;
  /** An idle socket is closed after this time. */
  connectionTimeoutMs: number;
  /** Idle keep-alive connections are closed after this time. */
  keepAliveTimeoutMs: number;
  /** A handler that takes longer answers 503. */
  handlerTimeoutMs: number;
  /** On SIGINT/SIGTERM, in-flight requests get this long before the process exits anyway. */
  shutdownTimeoutMs: number;
  /** Serve Prometheus metrics at /metrics. */
  metrics: boolean;
  /**
   * When set, /metrics answers only requests with `Authorization: Bearer <this>` (compared in
   * constant time); otherwise anyone who reaches the server can read it.
   */
  metricsToken: string | null;
  /** Most tokens one identity may hold at once (not expired, not revoked). */
  maxActiveTokens: number;
  /**
   * Push-channel events are kept this many days, then pruned by the sweeper; a client resuming
   * from an older cursor gets `reset` (refetch everything).
   */
  eventRetentionDays: number;
  /**
   * Argon2id parameters of password access: advertised to registering clients and used for the
   * dummy public data of unknown usernames. At least the floors (3 passes, 256 MiB).
   */
  passwordAccess: PwhashParams;
}

export const DEFAULT_PORT = 8420;
export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_BODY_LIMIT = 256 * 1024;
export const DEFAULT_EVENT_RETENTION_DAYS = 30;
/** Ten years: longer is a typo, not a policy. */
export const MAX_EVENT_RETENTION_DAYS = 3650;
const MiB = 1024 * 1024;

/** Where `backbone serve` keeps its data when no directory is given. */
export function defaultServerDataDir(
  platform: NodeJS.Platform = process.platform,
  env: NodeJS.ProcessEnv = process.env,
  home: string = os.homedir(),
): string {
  switch (platform) {
    case 'win32':
      return path.join(env.LOCALAPPDATA ?? path.join(home, 'AppData', 'Local'), 'Backbone Server');
    case 'darwin':
      return path.join(home, 'Library', 'Application Support', 'Backbone Server');
    default:
      return path.join(env.XDG_DATA_HOME ?? path.join(home, '.local', 'share'), 'backbone-server');
  }
}

export function defaultServerConfig(dataDir: string = defaultServerDataDir()): ServerConfig {
  return {
    host: DEFAULT_HOST,
    port: DEFAULT_PORT,
    publicUrls: [],
    dataDir,
    postgresUrl: undefined,
    bodyLimit: DEFAULT_BODY_LIMIT,
    trustProxy: false,
    logLevel: 'info',
    rateLimit: { ipPerMinute: 600, authPerMinute: 60, accountPerMinute: 1200 },
    requestTimeoutMs: 30_000,
    connectionTimeoutMs: 60_000,
    keepAliveTimeoutMs: 5_000,
    handlerTimeoutMs: 30_000,
    shutdownTimeoutMs: 10_000,
    metrics: true,
    metricsToken: null,
    maxActiveTokens: 1000,
    eventRetentionDays: DEFAULT_EVENT_RETENTION_DAYS,
    passwordAccess: { ...PWHASH_FLOORS.passwordAccess },
  };
}

/** The flags of `backbone serve` (all optional; commander gives strings/booleans). */
export interface ServeFlags {
  host?: string;
  port?: string | number;
  /** Comma-separated origins. */
  publicUrl?: string;
  data?: string;
  postgres?: string;
  bodyLimit?: string | number;
  logLevel?: string;
  trustProxy?: boolean;
  rateLimitIp?: string | number;
  rateLimitAuth?: string | number;
  rateLimitAccount?: string | number;
  requestTimeout?: string | number;
  metrics?: boolean;
  metricsToken?: string;
  eventRetentionDays?: string | number;
  passwordOpslimit?: string | number;
  passwordMemlimitMib?: string | number;
}

/** Environment variables read, by setting. */
export const SERVER_ENV = {
  host: 'BACKBONE_HOST',
  port: 'BACKBONE_PORT',
  publicUrl: 'BACKBONE_PUBLIC_URL',
  data: 'BACKBONE_DATA',
  postgres: 'BACKBONE_POSTGRES_URL',
  bodyLimit: 'BACKBONE_BODY_LIMIT',
  logLevel: 'BACKBONE_LOG_LEVEL',
  trustProxy: 'BACKBONE_TRUST_PROXY',
  rateLimitIp: 'BACKBONE_RATE_LIMIT_IP',
  rateLimitAuth: 'BACKBONE_RATE_LIMIT_AUTH',
  rateLimitAccount: 'BACKBONE_RATE_LIMIT_ACCOUNT',
  requestTimeout: 'BACKBONE_REQUEST_TIMEOUT',
  metrics: 'BACKBONE_METRICS',
  metricsToken: 'BACKBONE_METRICS_TOKEN',
  eventRetentionDays: 'BACKBONE_EVENT_RETENTION_DAYS',
  passwordOpslimit: 'BACKBONE_PASSWORD_OPSLIMIT',
  passwordMemlimitMib: 'BACKBONE_PASSWORD_MEMLIMIT_MIB',
} as const;

const FLAG_NAMES: Record<keyof typeof SERVER_ENV, string> = {
  host: '--host',
  port: '--port',
  publicUrl: '--public-url',
  data: '--data',
  postgres: '--postgres',
  bodyLimit: '--body-limit',
  logLevel: '--log-level',
  trustProxy: '--trust-proxy',
  rateLimitIp: '--rate-limit-ip',
  rateLimitAuth: '--rate-limit-auth',
  rateLimitAccount: '--rate-limit-account',
  requestTimeout: '--request-timeout',
  metrics: '--no-metrics',
  metricsToken: '--metrics-token',
  eventRetentionDays: '--event-retention-days',
  passwordOpslimit: '--password-opslimit',
  passwordMemlimitMib: '--password-memlimit-mib',
};

function where(key: keyof typeof SERVER_ENV): string {
  return `${FLAG_NAMES[key]} or ${SERVER_ENV[key]}`;
}

function invalid(key: keyof typeof SERVER_ENV, what: string): BackboneError {
  return new BackboneError('INVALID_ARGUMENT', `${where(key)} must be ${what}.`);
}

function integer(
  key: keyof typeof SERVER_ENV,
  raw: string | number,
  min: number,
  max: number,
): number {
  const text = String(raw).trim();
  const value = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw invalid(key, `a whole number from ${min} to ${max}`);
  }
  return value;
}

function boolean(key: keyof typeof SERVER_ENV, raw: string | boolean): boolean {
  if (typeof raw === 'boolean') return raw;
  const text = raw.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(text)) return true;
  if (['0', 'false', 'no', 'off', ''].includes(text)) return false;
  throw invalid(key, 'true or false (1/0)');
}

/** `https://a.example, http://10.0.0.5:8420` → their origins; refused unless http(s) URLs. */
function publicOrigins(text: string): string[] {
  const origins: string[] = [];
  for (const part of text.split(',')) {
    const item = part.trim();
    if (item === '') continue;
    let url: URL | undefined;
    try {
      url = new URL(item);
    } catch {
      // handled below
    }
    if (
      !url ||
      (url.protocol !== 'http:' && url.protocol !== 'https:') ||
      url.username ||
      url.password ||
      url.search ||
      url.hash
    ) {
      throw invalid('publicUrl', 'http:// or https:// addresses separated by commas');
    }
    if (!origins.includes(url.origin)) origins.push(url.origin);
  }
  if (origins.length === 0 || origins.length > 16) {
    throw invalid('publicUrl', '1 to 16 http:// or https:// addresses separated by commas');
  }
  return origins;
}

/** Resolves the configuration: flag, else environment variable, else default. */
export function resolveServerConfig(
  flags: ServeFlags = {},
  env: NodeJS.ProcessEnv = process.env,
): ServerConfig {
  const pick = <K extends keyof typeof SERVER_ENV>(key: K): ServeFlags[K] | string | undefined => {
    const flag = flags[key];
    if (flag !== undefined) return flag;
    const fromEnv = env[SERVER_ENV[key]];
    return fromEnv === undefined || fromEnv === '' ? undefined : fromEnv;
  };

  const data = pick('data');
  const config = defaultServerConfig(
    data === undefined ? defaultServerDataDir(process.platform, env) : path.resolve(String(data)),
  );

  const host = pick('host');
  if (host !== undefined) {
    const text = String(host).trim();
    if (!/^[A-Za-z0-9.:[\]-]{1,253}$/.test(text)) throw invalid('host', 'a host name or address');
    config.host = text.replace(/^\[(.*)\]$/, '$1');
  }
  const port = pick('port');
  if (port !== undefined) config.port = integer('port', port, 0, 65535);
  const publicUrl = pick('publicUrl');
  if (publicUrl !== undefined) config.publicUrls = publicOrigins(String(publicUrl));

  const postgres = pick('postgres');
  if (postgres !== undefined) {
    const text = String(postgres).trim();
    let protocol = '';
    try {
      protocol = new URL(text).protocol;
    } catch {
      // handled below
    }
    if (protocol !== 'postgres:' && protocol !== 'postgresql:') {
      throw invalid('postgres', 'a postgres:// URL');
    }
    config.postgresUrl = text;
  }

  const bodyLimit = pick('bodyLimit');
  if (bodyLimit !== undefined) {
    config.bodyLimit = integer('bodyLimit', bodyLimit, 1024, 64 * 1024 * 1024);
  }
  const logLevel = pick('logLevel');
  if (logLevel !== undefined) {
    const text = String(logLevel).trim().toLowerCase();
    if (!(LOG_LEVELS as readonly string[]).includes(text)) {
      throw invalid('logLevel', `one of ${LOG_LEVELS.join(', ')}`);
    }
    config.logLevel = text as LogLevel;
  }
  const trustProxy = pick('trustProxy');
  if (trustProxy !== undefined) config.trustProxy = boolean('trustProxy', trustProxy);
  const metrics = pick('metrics');
  if (metrics !== undefined) config.metrics = boolean('metrics', metrics);
  const metricsToken = pick('metricsToken');
  if (metricsToken !== undefined) {
    const text = String(metricsToken);
    if (!/^[\x21-\x7e]{16,256}$/.test(text)) {
      throw invalid('metricsToken', '16 to 256 printable characters without spaces');
    }
    config.metricsToken = text;
  }

  const ip = pick('rateLimitIp');
  if (ip !== undefined) config.rateLimit.ipPerMinute = integer('rateLimitIp', ip, 1, 1_000_000);
  const auth = pick('rateLimitAuth');
  if (auth !== undefined) {
    config.rateLimit.authPerMinute = integer('rateLimitAuth', auth, 1, 1_000_000);
  }
  const account = pick('rateLimitAccount');
  if (account !== undefined) {
    config.rateLimit.accountPerMinute = integer('rateLimitAccount', account, 1, 1_000_000);
  }
  const requestTimeout = pick('requestTimeout');
  if (requestTimeout !== undefined) {
    config.requestTimeoutMs = integer('requestTimeout', requestTimeout, 1000, 3_600_000);
    config.handlerTimeoutMs = config.requestTimeoutMs;
  }
  const retention = pick('eventRetentionDays');
  if (retention !== undefined) {
    config.eventRetentionDays = integer(
      'eventRetentionDays',
      retention,
      1,
      MAX_EVENT_RETENTION_DAYS,
    );
  }
  // Password-access Argon2id: only upward from the floors, up to what clients accept.
  const opslimit = pick('passwordOpslimit');
  if (opslimit !== undefined) {
    config.passwordAccess.opslimit = integer(
      'passwordOpslimit',
      opslimit,
      PWHASH_FLOORS.passwordAccess.opslimit,
      PWHASH_LIMITS.opslimit,
    );
  }
  const memlimitMib = pick('passwordMemlimitMib');
  if (memlimitMib !== undefined) {
    config.passwordAccess.memlimit =
      integer(
        'passwordMemlimitMib',
        memlimitMib,
        PWHASH_FLOORS.passwordAccess.memlimit / MiB,
        PWHASH_LIMITS.memlimit / MiB,
      ) * MiB;
  }
  if (!isWithinCeiling(config.passwordAccess)) {
    throw new BackboneError(
      'INVALID_ARGUMENT',
      `${where('passwordOpslimit')} times ${where('passwordMemlimitMib')} must be at most ` +
        `${PWHASH_MAX_WORK / MiB} MiB·passes (e.g. 8 × 256 or 4 × 512): clients refuse heavier hashing.`,
    );
  }
  return config;
}
