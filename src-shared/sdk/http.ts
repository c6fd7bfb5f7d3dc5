/**
 * The SDK's HTTP transport: JSON over `fetch` (any runtime that has it: Node ≥ 18, browsers,
 * Electron), every answer checked against the shared zod schema of that route before the SDK
 * looks at it.
 *
 * - A server error body `{error: {code, message}}` becomes a `BackboneError` with that code (a
 *   code this build does not know maps by HTTP status). The server's message is shown cleaned
 *   (no control characters, at most 300 characters): it is the only detail a caller gets.
 * - No connection at all (DNS, refused, reset) → `SERVER_UNREACHABLE`; no answer in time →
 *   `REQUEST_TIMEOUT`; an answer that is not the expected JSON → `SERVER_INVALID_RESPONSE`.
 */
import type { z } from 'zod';
import { apiErrorSchema, isKnownErrorCode } from '../api/common.js';
import { BackboneError, type ErrorCode } from '../errors.js';
import { noteSecret } from '../key-registry-hook.js';

export type FetchFunction = (input: string, init?: RequestInit) => Promise<Response>;

export interface HttpOptions {
  /** `fetch` to use (default: the global one). */
  fetch?: FetchFunction;
  /** Per-request timeout in ms (default 30 s). */
  timeoutMs?: number;
  /**
   * Allow plain `http://` to a host that is not this machine. Off by default: without TLS anyone
   * on the network path reads and changes the traffic (tokens included). Loopback addresses
   * (`127.0.0.0/8`, `::1`, `localhost`) never need it.
   */
  allowInsecureHttp?: boolean;
}

/** An error the server answered (4xx/5xx with our envelope). */
export class ServerError extends BackboneError {
  constructor(
    code: ErrorCode,
    message: string,
    readonly status: number,
    /** The code exactly as the server sent it (may be one this build does not know). */
    readonly serverCode: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(code, message);
    this.name = 'ServerError';
  }
}

const DEFAULT_TIMEOUT_MS = 30_000;
const MAX_RESPONSE_BYTES = 8 * 1024 * 1024;

function codeForStatus(status: number): ErrorCode {
  if (status === 401) return 'AUTH_REQUIRED';
  if (status === 403) return 'FORBIDDEN';
  if (status === 404) return 'NOT_FOUND';
  if (status === 408) return 'REQUEST_TIMEOUT';
  if (status === 413) return 'PAYLOAD_TOO_LARGE';
  if (status === 429) return 'RATE_LIMITED';
  if (status >= 500) return 'UNAVAILABLE';
  return 'INVALID_REQUEST';
}

/** A server's message, made safe to print: no control characters, bounded length. */
export function cleanServerMessage(message: string): string {
  // eslint-disable-next-line no-control-regex
  const clean = message.replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, ' ');
  return clean.length > 300 ? `${clean.slice(0, 297)}...` : clean;
}

/** Normalizes a server base URL: http(s) only, no trailing slash, no query or fragment. */
export function normalizeServerUrl(server: string): string {
  let url: URL;
  try {
    url = new URL(server);
  } catch (cause) {
    throw new BackboneError(
      'INVALID_ARGUMENT',
      `"${String(server).slice(0, 100)}" is not a server address. Use a URL like https://backbone.example.org.`,
      { cause },
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new BackboneError(
      'INVALID_ARGUMENT',
      'A server address must start with https:// or http://.',
    );
  }
  if (url.username || url.password || url.search || url.hash) {
    throw new BackboneError(
      'INVALID_ARGUMENT',
      'A server address must not contain a user name, password, query or fragment.',
    );
  }
  return url.origin + url.pathname.replace(/\/+$/, '');
}

/** True for `localhost`, `*.localhost`, `127.0.0.0/8` and `::1` (as in a URL's hostname). */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  return (
    host === 'localhost' ||
    host.endsWith('.localhost') ||
    host === '::1' ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)
  );
}

/**
 * Refuses a server address over plain `http://` to another machine (`INSECURE_TRANSPORT`)
 * unless `allowInsecureHttp` is set.
 */
export function assertSecureTransport(serverUrl: string, allowInsecureHttp = false): void {
  const url = new URL(serverUrl);
  if (url.protocol !== 'http:' || allowInsecureHttp || isLoopbackHost(url.hostname)) return;
  throw new BackboneError(
    'INSECURE_TRANSPORT',
    `The server address ${url.origin} uses plain http:// to another machine: anyone on the network path could read and change the traffic. Use https://, or allow plain http explicitly (backbone --insecure-http, SDK option http.allowInsecureHttp) only on a network you trust.`,
  );
}

export interface RequestOptions<S extends z.ZodType> {
  /** Schema of the success body (checked; a mismatch is `SERVER_INVALID_RESPONSE`). */
  schema: S;
  body?: unknown;
  token?: string;
  /** Expected success status(es); anything else 2xx is refused too. */
  expect?: number | readonly number[];
  /**
   * The request only reads (a POST carrying a query): it may be sent again when a reused
   * connection turns out to be closed. GET always may.
   */
  idempotent?: boolean;
}

/** Socket errors of a kept-alive connection the server closed just as it was reused. */
const STALE_CONNECTION_CODES = new Set(['UND_ERR_SOCKET', 'ECONNRESET', 'EPIPE']);

function isStaleConnection(error: unknown): boolean {
  for (let e = error, depth = 0; e instanceof Error && depth < 4; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && STALE_CONNECTION_CODES.has(code)) return true;
    e = e.cause;
  }
  return false;
}

export class HttpClient {
  readonly baseUrl: string;
  private readonly fetchFn: FetchFunction;
  private readonly timeoutMs: number;

  constructor(server: string, options: HttpOptions = {}) {
    this.baseUrl = normalizeServerUrl(server);
    assertSecureTransport(this.baseUrl, options.allowInsecureHttp === true);
    this.fetchFn = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  async request<S extends z.ZodType>(
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
    path: string,
    options: RequestOptions<S>,
  ): Promise<z.infer<S>> {
    const headers: Record<string, string> = { accept: 'application/json' };
    noteSecret('bearer-token', options.token);
    if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
    let body: string | undefined;
    if (options.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.body);
    }
    const url = this.baseUrl + path;
    const signal = AbortSignal.timeout(this.timeoutMs);
    const send = () => this.fetchFn(url, { method, headers, body, signal, redirect: 'error' });
    let response: Response;
    try {
      try {
        response = await send();
      } catch (first) {
        // A keep-alive connection the server closed while we reused it (its idle timeout raced
        // ours): nothing reached the server's handler, so a read is sent once more.
        const retry =
          (method === 'GET' || options.idempotent === true) &&
          !signal.aborted &&
          isStaleConnection(first);
        if (!retry) throw first;
        response = await send();
      }
    } catch (cause) {
      throw this.networkError(cause, signal);
    }
    let text: string;
    try {
      text = await readText(response, MAX_RESPONSE_BYTES);
    } catch (cause) {
      if (cause instanceof BackboneError) throw cause;
      throw this.networkError(cause, signal);
    }
    const json = parseJson(text);
    if (response.status >= 400) throw this.errorFrom(response, json);
    const expected =
      options.expect === undefined
        ? undefined
        : typeof options.expect === 'number'
          ? [options.expect]
          : options.expect;
    if (
      (expected !== undefined && !expected.includes(response.status)) ||
      response.status < 200 ||
      response.status >= 300
    ) {
      throw invalidResponse(`an unexpected status ${response.status}`);
    }
    const parsed = options.schema.safeParse(json);
    if (!parsed.success) {
      const where = parsed.error.issues[0]?.path.join('.') || 'body';
      throw invalidResponse(`a malformed answer (${where})`);
    }
    return parsed.data;
  }

  private networkError(cause: unknown, signal: AbortSignal): BackboneError {
    if (signal.aborted) {
      return new BackboneError(
        'REQUEST_TIMEOUT',
        `The server at ${this.baseUrl} did not answer within ${Math.round(this.timeoutMs / 1000)} s. Check the network and try again.`,
        { cause },
      );
    }
    return new BackboneError(
      'SERVER_UNREACHABLE',
      `Could not reach the server at ${this.baseUrl}. Check the address (--server / BACKBONE_SERVER), that the server is running, and the network.`,
      { cause },
    );
  }

  private errorFrom(response: Response, json: unknown): ServerError {
    const parsed = apiErrorSchema.safeParse(json);
    const retryAfterHeader = Number(response.headers.get('retry-after'));
    const retryAfter = Number.isFinite(retryAfterHeader) ? retryAfterHeader : undefined;
    if (!parsed.success) {
      const code = codeForStatus(response.status);
      return new ServerError(
        code,
        `The server answered with status ${response.status} and no readable error.`,
        response.status,
        code,
        retryAfter,
      );
    }
    const { code: serverCode, message } = parsed.data.error;
    const code = isKnownErrorCode(serverCode) ? serverCode : codeForStatus(response.status);
    return new ServerError(
      code,
      cleanServerMessage(message),
      response.status,
      serverCode,
      retryAfter,
    );
  }
}

function invalidResponse(what: string): BackboneError {
  return new BackboneError(
    'SERVER_INVALID_RESPONSE',
    `The server sent ${what}. It may be a different version or misbehaving; nothing from this answer was used.`,
  );
}

function parseJson(text: string): unknown {
  if (text.length === 0) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

async function readText(response: Response, maxBytes: number): Promise<string> {
  const length = Number(response.headers.get('content-length'));
  if (Number.isFinite(length) && length > maxBytes) {
    await response.body?.cancel().catch(() => undefined);
    throw invalidResponse('an answer that is too large');
  }
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw invalidResponse('an answer that is too large');
    }
    chunks.push(value);
  }
  const all = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    all.set(chunk, offset);
    offset += chunk.length;
  }
  return new TextDecoder('utf-8', { fatal: false }).decode(all);
}
