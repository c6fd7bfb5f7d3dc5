/**
 * The WebSocket handshake headers of an upgrade request, checked before `ws` sees them, so a
 * malformed handshake gets a JSON error like any other request instead of the `ws` library's
 * plain-text answer (or, for an unsupported version, none). Used by every WebSocket route.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { BackboneError } from '../../src-shared/errors.js';
import { sendError } from './errors.js';

/** A `Sec-WebSocket-Protocol` list: tokens separated by commas (RFC 6455 §4.1). */
const SUBPROTOCOLS_PATTERN =
  /^[!#$%&'*+.^_`|~0-9A-Za-z-]+(?:[ \t]*,[ \t]*[!#$%&'*+.^_`|~0-9A-Za-z-]+)*$/;

export function headerText(value: string | string[] | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/**
 * Refuses a handshake `ws` would refuse: version other than 13 (426 with
 * `Sec-WebSocket-Version: 13`; returns true, the reply is sent), a missing or malformed key or
 * protocol list (throws `INVALID_REQUEST`, 400). Returns false when the handshake is well formed.
 */
export function refuseBadHandshake(request: FastifyRequest, reply: FastifyReply): boolean {
  if (headerText(request.headers['sec-websocket-version']) !== '13') {
    sendError(reply, 426, 'INVALID_REQUEST', 'Use WebSocket version 13.', {
      'sec-websocket-version': '13',
    });
    return true;
  }
  const key = headerText(request.headers['sec-websocket-key']);
  if (key === undefined || !/^[+/0-9A-Za-z]{22}==$/.test(key)) {
    throw new BackboneError('INVALID_REQUEST', 'The WebSocket key header is missing or invalid.');
  }
  const protocols = headerText(request.headers['sec-websocket-protocol']);
  if (
    protocols !== undefined &&
    (!SUBPROTOCOLS_PATTERN.test(protocols) ||
      new Set(protocols.split(',').map((p) => p.trim())).size !== protocols.split(',').length)
  ) {
    throw new BackboneError('INVALID_REQUEST', 'The WebSocket protocol header is malformed.');
  }
  return false;
}
