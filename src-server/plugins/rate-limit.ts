/**
 * Rate limits: token buckets kept in memory (per server process).
 *
 * - per IP, every request (checked first thing, before the body is read): `ipRateLimit`;
 * - per IP, the unauthenticated routes that make work or state (challenges, login,
 *   registration, device add/revoke, password access): `authRouteRateLimit`;
 * - per identity, every authenticated or identity-signed request (`enforce(limits.account, …)`
 *   in the authentication plugin and the identity-signed routes).
 * A bucket holds `perMinute` requests and refills continuously. An empty bucket answers 429
 * `RATE_LIMITED` with `Retry-After` (seconds). Behind several processes the limits apply per
 * process. The number of tracked keys is capped (least recently used keys are dropped).
 */
import { HttpError } from '../http/errors.js';
import type { RateLimitConfig } from '../config.js';
import type { Clock } from '../clock.js';
import { unencapsulated } from './encapsulation.js';

interface Bucket {
  tokens: number;
  updated: number;
}

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly perMs: number;

  constructor(
    private readonly capacity: number,
    private readonly clock: Clock,
    private readonly maxKeys = 100_000,
  ) {
    this.perMs = capacity / 60_000;
  }

  /** Takes one request from `key`'s bucket; returns 0 if allowed, else seconds to wait. */
  take(key: string): number {
    const now = this.clock.now();
    let bucket = this.buckets.get(key);
    if (bucket) {
      this.buckets.delete(key); // re-inserted below: Map order = least recently used first
      bucket.tokens = Math.min(
        this.capacity,
        bucket.tokens + Math.max(0, now - bucket.updated) * this.perMs,
      );
      bucket.updated = now;
    } else {
      bucket = { tokens: this.capacity, updated: now };
      while (this.buckets.size >= this.maxKeys) {
        const oldest = this.buckets.keys().next();
        if (oldest.done) break;
        this.buckets.delete(oldest.value);
      }
    }
    this.buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / this.perMs / 1000));
  }

  get size(): number {
    return this.buckets.size;
  }
}

export interface RateLimits {
  ip: RateLimiter;
  auth: RateLimiter;
  account: RateLimiter;
}

export function createRateLimits(config: RateLimitConfig, clock: Clock): RateLimits {
  return {
    ip: new RateLimiter(config.ipPerMinute, clock),
    auth: new RateLimiter(config.authPerMinute, clock),
    account: new RateLimiter(config.accountPerMinute, clock),
  };
}

function limited(seconds: number): HttpError {
  return new HttpError(
    'RATE_LIMITED',
    `Too many requests. Try again in ${seconds} second${seconds === 1 ? '' : 's'}.`,
    { 'retry-after': String(seconds) },
  );
}

/** Throws 429 if `key` has no request left in `limiter`. */
export function enforce(limiter: RateLimiter, key: string): void {
  const wait = limiter.take(key);
  if (wait > 0) throw limited(wait);
}

export interface RateLimitPluginOptions {
  limits: RateLimits;
}

/**
 * The per-IP limit for every request, unknown paths included (registered at the root by
 * `buildServer`, before any route plugin, so it runs first).
 */
export const ipRateLimit = unencapsulated<RateLimitPluginOptions>(
  'ip-rate-limit',
  async (app, { limits }) => {
    app.addHook('onRequest', async (request) => {
      enforce(limits.ip, request.ip);
    });
  },
);

/**
 * The per-IP limit of the unauthenticated routes that cost work or store state, registered by
 * the route plugins that hold them (inside a child context holding only those routes).
 */
export const authRouteRateLimit = unencapsulated<RateLimitPluginOptions>(
  'auth-route-rate-limit',
  async (app, { limits }) => {
    app.addHook('onRequest', async (request) => {
      enforce(limits.auth, request.ip);
    });
  },
);
