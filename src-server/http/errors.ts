/**
 * Every error the server answers is JSON `{error: {code, message}}` with a fitting status.
 *
 * - Our own typed errors (`BackboneError`) map by code (`HTTP_STATUS`); codes not listed are
 *   client mistakes (400) except `INTERNAL`.
 * - Fastify's own errors (bad JSON, body too large, wrong media type, …) map to our codes with
 *   our own messages.
 * - Anything else is a bug: 500 `INTERNAL` with a generic message; the detail goes to the log.
 * Messages never echo request bodies or headers, so they carry no secrets.
 */
import http from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { BackboneError, isBackboneError, type ErrorCode } from '../../src-shared/errors.js';
import type { ApiError } from '../../src-shared/api/common.js';

export const HTTP_STATUS: Partial<Record<ErrorCode, number>> = {
  INTERNAL: 500,
  INVALID_REQUEST: 400,
  INVALID_JSON: 400,
  INVALID_ARGUMENT: 400,
  UNSUPPORTED_VERSION: 400,
  STATEMENT_INVALID: 400,
  CRYPTO_INVALID_KEY: 400,
  AUTH_REQUIRED: 401,
  AUTH_TOKEN_INVALID: 401,
  AUTH_TOKEN_EXPIRED: 401,
  AUTH_TOKEN_REVOKED: 401,
  AUTH_DEVICE_REVOKED: 401,
  AUTH_CHALLENGE_INVALID: 401,
  AUTH_CHALLENGE_EXPIRED: 401,
  AUTH_ORIGIN_MISMATCH: 401,
  AUTH_SIGNATURE_INVALID: 401,
  AUTH_CERTIFICATE_INVALID: 401,
  AUTH_IDENTITY_UNKNOWN: 401,
  FORBIDDEN: 403,
  SCOPE_NOT_ALLOWED: 403,
  SIGNATURE_INVALID: 403,
  CRYPTO_BAD_SIGNATURE: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  REQUEST_TIMEOUT: 408,
  IDENTITY_EXISTS: 409,
  DEVICE_EXISTS: 409,
  DEVICE_REVOKED: 409,
  TOKEN_LIMIT_REACHED: 409,
  WORKSPACE_EXISTS: 409,
  MEMBERSHIP_CONFLICT: 409,
  MEMBERSHIP_ROTATION_REQUIRED: 409,
  MEMBERSHIP_FORBIDDEN: 403,
  MEMBERSHIP_BAD_SIGNATURE: 403,
  STORE_INVALID_RECORD: 400,
  STORE_INVALID_PATH: 400,
  STORE_VALUE_TOO_LARGE: 413,
  STORE_NOT_FOUND: 404,
  STORE_CONFLICT: 409,
  STORE_FORBIDDEN: 403,
  STORE_BAD_SIGNATURE: 403,
  STORE_TAMPERED: 400,
  STORE_NO_KEY: 403,
  STORE_STALE: 409,
  STORE_EXPIRED: 404,
  PAYLOAD_TOO_LARGE: 413,
  URI_TOO_LONG: 414,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMITED: 429,
  UNAVAILABLE: 503,
};

/** The HTTP status of a typed error. */
export function statusOf(code: ErrorCode): number {
  return HTTP_STATUS[code] ?? 400;
}

/** A typed error with extra response headers (Retry-After, Allow, WWW-Authenticate). */
export class HttpError extends BackboneError {
  constructor(
    code: ErrorCode,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(code, message);
    this.name = 'HttpError';
  }
}

export const INTERNAL_MESSAGE =
  'Something went wrong on the server. Try again; if it keeps happening, tell the server operator.';

interface Mapped {
  status: number;
  code: ErrorCode;
  message: string;
  headers: Record<string, string>;
}

const FASTIFY_ERRORS: Record<string, Omit<Mapped, 'headers'>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: {
    status: 413,
    code: 'PAYLOAD_TOO_LARGE',
    message: 'The request body is too large.',
  },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
    message: 'Send request bodies as application/json.',
  },
  FST_ERR_CTP_EMPTY_JSON_BODY: {
    status: 400,
    code: 'INVALID_JSON',
    message: 'The body is empty but its type says JSON.',
  },
  FST_ERR_CTP_INVALID_JSON_BODY: {
    status: 400,
    code: 'INVALID_JSON',
    message: 'The body is not valid JSON.',
  },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: {
    status: 400,
    code: 'INVALID_REQUEST',
    message: 'The Content-Length header does not match the body.',
  },
  FST_ERR_BAD_URL: { status: 400, code: 'INVALID_REQUEST', message: 'The URL is malformed.' },
  FST_ERR_MAX_PARAM_LENGTH: {
    status: 414,
    code: 'URI_TOO_LONG',
    message: 'A part of the URL is too long.',
  },
  FST_ERR_HANDLER_TIMEOUT: {
    status: 503,
    code: 'UNAVAILABLE',
    message: 'The server took too long to answer. Try again later.',
  },
};

/** Maps any thrown value to status, code, message and headers. */
export function mapError(error: unknown): Mapped {
  if (isBackboneError(error)) {
    const status = statusOf(error.code);
    return {
      status,
      code: error.code,
      message: status >= 500 && error.code === 'INTERNAL' ? INTERNAL_MESSAGE : error.message,
      headers: error instanceof HttpError ? error.headers : {},
    };
  }
  const fastifyCode = (error as FastifyError | null)?.code;
  const known = typeof fastifyCode === 'string' ? FASTIFY_ERRORS[fastifyCode] : undefined;
  if (known) return { ...known, headers: {} };
  const statusCode = (error as { statusCode?: unknown } | null)?.statusCode;
  if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) {
    // Another client error raised by Fastify or Node (a malformed request of some kind).
    return {
      status: statusCode === 413 ? 413 : 400,
      code: statusCode === 413 ? 'PAYLOAD_TOO_LARGE' : 'INVALID_REQUEST',
      message: 'The request is malformed.',
      headers: {},
    };
  }
  return { status: 500, code: 'INTERNAL', message: INTERNAL_MESSAGE, headers: {} };
}

export function errorBody(code: ErrorCode, message: string): ApiError {
  return { error: { code, message } };
}

/** Fastify error handler: every error leaves as our JSON envelope. */
export function handleError(error: unknown, request: FastifyRequest, reply: FastifyReply): void {
  const mapped = mapError(error);
  if (mapped.status >= 500) {
    request.log.error({ err: error, code: mapped.code }, 'request failed');
  } else {
    request.log.info({ code: mapped.code, status: mapped.status }, 'request refused');
  }
  sendError(reply, mapped.status, mapped.code, mapped.message, mapped.headers);
}

export function sendError(
  reply: FastifyReply,
  status: number,
  code: ErrorCode,
  message: string,
  headers: Record<string, string> = {},
): void {
  // Bypass any response schema: errors have their own fixed shape.
  reply
    .code(status)
    .headers(headers)
    .header('cache-control', 'no-store')
    .type('application/json; charset=utf-8')
    .serializer((payload: unknown) => JSON.stringify(payload))
    .send(errorBody(code, message));
}

/** `frameworkErrors`: errors Fastify meets before routing (bad URL encoding, long params). */
export function handleFrameworkError(
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  const mapped = mapError(error);
  request.log.info({ code: mapped.code, status: mapped.status }, 'request refused');
  sendError(reply, mapped.status, mapped.code, mapped.message);
}

/** `clientErrorHandler`: requests Node's HTTP parser cannot read at all. */
export function handleClientError(error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  let status = 400;
  let code: ErrorCode = 'INVALID_REQUEST';
  let message = 'The request is not valid HTTP.';
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    status = 408;
    code = 'REQUEST_TIMEOUT';
    message = 'The request took too long to arrive.';
  } else if (error.code === 'HPE_HEADER_OVERFLOW') {
    status = 431;
    message = 'The request headers are too large.';
  }
  const body = JSON.stringify(errorBody(code, message));
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? 'Error'}\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\n` +
        'Content-Type: application/json; charset=utf-8\r\nConnection: close\r\n\r\n' +
        body,
    );
  }
  socket.destroy();
}
