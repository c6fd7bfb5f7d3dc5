/**
 * The duplex message connection both ends of password access run over: one binary message per
 * frame, in order. It is transport-agnostic; adapters here wrap
 *
 * - an in-memory pair (`createMemoryConnectionPair`, for tests and in-process use),
 * - a Node `ws` WebSocket (`wrapNodeWebSocket`, the server and Node clients),
 * - a browser `WebSocket` (`wrapBrowserWebSocket`, `binaryType = 'arraybuffer'`).
 *
 * Each adapter turns incoming messages into a queue that `receive` drains. The queue is bounded:
 * a single message over `maxMessageBytes` or more than `maxQueuedBytes` waiting to be read closes
 * the connection (WebSocket code 1009) and fails the reader with `PAYLOAD_TOO_LARGE`. A text
 * message is a protocol violation (code 1003, `PROTOCOL_INVALID_FRAME`). After the peer closes,
 * messages already queued are still delivered, then `receive` fails with `CONNECTION_CLOSED`.
 */
import type { WebSocket as NodeWebSocket } from 'ws';
import { BackboneError } from '../errors.js';
import { DEFAULT_MAX_QUEUED_BYTES, MAX_REGISTRATION_FRAME_BYTES } from './protocol.js';
import { FRAME_HEADER_BYTES } from './frames.js';

export interface PasswordAccessConnection {
  /** Sends one binary message. Throws `CONNECTION_CLOSED` once the connection is closed. */
  send(bytes: Uint8Array): void;
  /**
   * The next message. Fails with `REQUEST_TIMEOUT` after `timeoutMs` (the connection stays
   * open; the caller decides), `CONNECTION_CLOSED` when the connection ended, `PAYLOAD_TOO_LARGE`
   * when the peer overran the bounds, `PROTOCOL_INVALID_FRAME` for a text message. Only one
   * `receive` may wait at a time.
   */
  receive(timeoutMs: number): Promise<Uint8Array>;
  /** Closes the connection (idempotent). Messages sent before are still delivered. */
  close(code?: number, reason?: string): void;
}

/** WebSocket close codes used by password access. */
export const CloseCode = {
  normal: 1000,
  unsupportedData: 1003,
  policyViolation: 1008,
  tooBig: 1009,
  internalError: 1011,
} as const;

export interface ConnectionLimits {
  /** Largest single message accepted (default: a registration frame, about 2.7 MiB). */
  maxMessageBytes?: number;
  /** Most bytes queued and not yet received (default 8 MiB). */
  maxQueuedBytes?: number;
}

const DEFAULT_MAX_MESSAGE_BYTES = FRAME_HEADER_BYTES + MAX_REGISTRATION_FRAME_BYTES;

function closedError(detail: string): BackboneError {
  return new BackboneError(
    'CONNECTION_CLOSED',
    `The connection to the other side closed (${detail}). Check the network and try again.`,
  );
}

function tooLarge(): BackboneError {
  return new BackboneError(
    'PAYLOAD_TOO_LARGE',
    'The other side sent more data than allowed; the connection was closed.',
  );
}

/** A reason string within the 123 bytes a WebSocket close frame allows. */
function shortReason(reason: string | undefined): string {
  if (reason === undefined) return '';
  let out = reason;
  while (new TextEncoder().encode(out).length > 123) out = out.slice(0, -1);
  return out;
}

/**
 * The receive side every adapter shares: a FIFO of messages with byte bounds, one waiting
 * reader, and a terminal state.
 */
export class MessageQueue {
  readonly #maxMessageBytes: number;
  readonly #maxQueuedBytes: number;
  readonly #onOverflow: () => void;
  #messages: Uint8Array[] = [];
  #queuedBytes = 0;
  #ended: BackboneError | undefined;
  #waiter:
    | { resolve: (bytes: Uint8Array) => void; reject: (error: unknown) => void; timer: unknown }
    | undefined;

  constructor(limits: ConnectionLimits, onOverflow: () => void) {
    this.#maxMessageBytes = limits.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    this.#maxQueuedBytes = limits.maxQueuedBytes ?? DEFAULT_MAX_QUEUED_BYTES;
    this.#onOverflow = onOverflow;
  }

  get ended(): boolean {
    return this.#ended !== undefined;
  }

  /** A message arrived. */
  push(bytes: Uint8Array): void {
    if (this.#ended !== undefined) return;
    if (
      bytes.length > this.#maxMessageBytes ||
      this.#queuedBytes + bytes.length > this.#maxQueuedBytes
    ) {
      this.fail(tooLarge());
      this.#onOverflow();
      return;
    }
    const waiter = this.#waiter;
    if (waiter !== undefined && this.#messages.length === 0) {
      this.#waiter = undefined;
      clearTimeout(waiter.timer as ReturnType<typeof setTimeout>);
      waiter.resolve(bytes);
      return;
    }
    this.#messages.push(bytes);
    this.#queuedBytes += bytes.length;
  }

  /** The connection ended normally: queued messages stay readable, then `error`. */
  end(error: BackboneError): void {
    if (this.#ended !== undefined) return;
    this.#ended = error;
    this.#rejectWaiter(error);
  }

  /** The connection failed: queued messages are dropped, every read fails with `error`. */
  fail(error: BackboneError): void {
    this.#messages = [];
    this.#queuedBytes = 0;
    if (this.#ended === undefined) this.#ended = error;
    this.#rejectWaiter(this.#ended);
  }

  receive(timeoutMs: number): Promise<Uint8Array> {
    if (this.#waiter !== undefined) {
      return Promise.reject(
        new BackboneError('INVALID_ARGUMENT', 'Only one receive may wait on a connection.'),
      );
    }
    const next = this.#messages.shift();
    if (next !== undefined) {
      this.#queuedBytes -= next.length;
      return Promise.resolve(next);
    }
    if (this.#ended !== undefined) return Promise.reject(this.#ended);
    if (!Number.isFinite(timeoutMs) || timeoutMs < 0) {
      return Promise.reject(
        new BackboneError('INVALID_ARGUMENT', 'A receive timeout must be a number ≥ 0.'),
      );
    }
    return new Promise<Uint8Array>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiter = undefined;
        reject(
          new BackboneError(
            'REQUEST_TIMEOUT',
            'The other side did not answer in time. Check the connection and try again.',
          ),
        );
      }, timeoutMs);
      this.#waiter = { resolve, reject, timer };
    });
  }

  #rejectWaiter(error: BackboneError): void {
    const waiter = this.#waiter;
    if (waiter === undefined || this.#messages.length > 0) return;
    this.#waiter = undefined;
    clearTimeout(waiter.timer as ReturnType<typeof setTimeout>);
    waiter.reject(error);
  }
}

// ---------------------------------------------------------------------------------------------
// In-memory pair

export interface CloseInfo {
  code: number;
  reason: string;
}

/** One end of an in-memory pair. `closeInfo` records how this end was closed (by itself). */
export interface MemoryConnection extends PasswordAccessConnection {
  readonly closeInfo: CloseInfo | undefined;
  /** How the peer closed, once it did. */
  readonly peerCloseInfo: CloseInfo | undefined;
  /** Resolves once both directions are closed. */
  readonly closed: Promise<void>;
}

/**
 * Two connected ends: what one sends the other receives, asynchronously (in order), as a copy.
 * The limits apply to each end's receive queue; overflowing closes both ends with 1009.
 */
export function createMemoryConnectionPair(
  limits: ConnectionLimits = {},
): [MemoryConnection, MemoryConnection] {
  interface End {
    queue: MessageQueue;
    closeInfo: CloseInfo | undefined;
    peerCloseInfo: CloseInfo | undefined;
    resolveClosed: () => void;
    closed: Promise<void>;
  }
  const makeEnd = (): End => {
    let resolveClosed = (): void => undefined;
    const closed = new Promise<void>((resolve) => (resolveClosed = resolve));
    return {
      queue: undefined as unknown as MessageQueue,
      closeInfo: undefined,
      peerCloseInfo: undefined,
      resolveClosed,
      closed,
    };
  };
  const ends: [End, End] = [makeEnd(), makeEnd()];

  const closeEnd = (index: 0 | 1, code: number, reason: string): void => {
    const self = ends[index];
    const peer = ends[index === 0 ? 1 : 0];
    if (self.closeInfo !== undefined) return;
    self.closeInfo = { code, reason };
    self.queue.fail(closedError('closed by this side'));
    // Delivered after every message already sent (same microtask order).
    queueMicrotask(() => {
      peer.peerCloseInfo = { code, reason };
      // Messages the peer has not read yet stay readable; then it sees the close.
      peer.queue.end(closedError(`code ${code}${reason ? `: ${reason}` : ''}`));
      // The peer answers the close (like a WebSocket closing handshake): it can send no more.
      if (peer.closeInfo === undefined) peer.closeInfo = { code, reason };
      if (self.peerCloseInfo === undefined) self.peerCloseInfo = { code, reason };
      self.resolveClosed();
      peer.resolveClosed();
    });
  };

  for (const index of [0, 1] as const) {
    ends[index].queue = new MessageQueue(limits, () => {
      closeEnd(index, CloseCode.tooBig, 'message too big');
    });
  }

  const api = (index: 0 | 1): MemoryConnection => {
    const self = ends[index];
    const peer = ends[index === 0 ? 1 : 0];
    return {
      send(bytes: Uint8Array): void {
        if (!(bytes instanceof Uint8Array)) {
          throw new BackboneError('INVALID_ARGUMENT', 'Only bytes can be sent.');
        }
        if (self.closeInfo !== undefined || self.peerCloseInfo !== undefined) {
          throw closedError('already closed');
        }
        const copy = bytes.slice();
        queueMicrotask(() => {
          if (peer.closeInfo === undefined) peer.queue.push(copy);
        });
      },
      receive: (timeoutMs: number) => self.queue.receive(timeoutMs),
      close(code: number = CloseCode.normal, reason?: string): void {
        closeEnd(index, code, shortReason(reason));
      },
      get closeInfo() {
        return self.closeInfo;
      },
      get peerCloseInfo() {
        return self.peerCloseInfo;
      },
      closed: self.closed,
    };
  };
  return [api(0), api(1)];
}

// ---------------------------------------------------------------------------------------------
// Node `ws`

function rawToBytes(data: NodeWebSocket.RawData): Uint8Array {
  if (data instanceof ArrayBuffer) return new Uint8Array(data.slice(0));
  if (Array.isArray(data)) {
    let length = 0;
    for (const part of data) length += part.length;
    const out = new Uint8Array(length);
    let offset = 0;
    for (const part of data) {
      out.set(part, offset);
      offset += part.length;
    }
    return out;
  }
  // A Buffer: copy into a plain Uint8Array (Buffers may share a pooled ArrayBuffer).
  return new Uint8Array(data);
}

/**
 * Wraps an open `ws` WebSocket (from a `WebSocketServer` 'connection' event, or a client after
 * 'open'). Set the server's `maxPayload` too, so oversized messages are refused before they are
 * buffered.
 */
export function wrapNodeWebSocket(
  socket: NodeWebSocket,
  limits: ConnectionLimits = {},
): PasswordAccessConnection {
  const OPEN = 1;
  if (socket.readyState !== OPEN) {
    throw new BackboneError('INVALID_ARGUMENT', 'The WebSocket is not open yet.');
  }
  const queue = new MessageQueue(limits, () => {
    socket.close(CloseCode.tooBig, 'message too big');
  });
  socket.on('message', (data, isBinary) => {
    if (!isBinary) {
      queue.fail(
        new BackboneError('PROTOCOL_INVALID_FRAME', 'The other side sent text; frames are binary.'),
      );
      socket.close(CloseCode.unsupportedData, 'binary frames only');
      return;
    }
    queue.push(rawToBytes(data));
  });
  socket.on('close', (code, reason) => {
    queue.end(closedError(`code ${code}${reason.length > 0 ? `: ${reason.toString()}` : ''}`));
  });
  socket.on('error', (error) => {
    queue.fail(closedError(error.message));
  });
  return {
    send(bytes: Uint8Array): void {
      if (socket.readyState !== OPEN || queue.ended) throw closedError('not open');
      socket.send(bytes, { binary: true }, (error) => {
        if (error) queue.fail(closedError(error.message));
      });
    },
    receive: (timeoutMs: number) => queue.receive(timeoutMs),
    close(code: number = CloseCode.normal, reason?: string): void {
      queue.fail(closedError('closed by this side'));
      if (socket.readyState === OPEN || socket.readyState === 0) {
        socket.close(code, shortReason(reason));
      }
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Browser WebSocket

/**
 * Wraps an open browser `WebSocket` (after its 'open' event). Sets `binaryType` to
 * 'arraybuffer' so every binary message arrives as an ArrayBuffer.
 */
export function wrapBrowserWebSocket(
  socket: WebSocket,
  limits: ConnectionLimits = {},
): PasswordAccessConnection {
  const OPEN = 1;
  if (socket.readyState !== OPEN) {
    throw new BackboneError('INVALID_ARGUMENT', 'The WebSocket is not open yet.');
  }
  socket.binaryType = 'arraybuffer';
  const queue = new MessageQueue(limits, () => {
    socket.close(CloseCode.tooBig, 'message too big');
  });
  socket.addEventListener('message', (event: MessageEvent) => {
    const data: unknown = event.data;
    if (!(data instanceof ArrayBuffer)) {
      queue.fail(
        new BackboneError('PROTOCOL_INVALID_FRAME', 'The other side sent text; frames are binary.'),
      );
      socket.close(CloseCode.unsupportedData, 'binary frames only');
      return;
    }
    queue.push(new Uint8Array(data));
  });
  socket.addEventListener('close', (event: CloseEvent) => {
    queue.end(closedError(`code ${event.code}${event.reason ? `: ${event.reason}` : ''}`));
  });
  socket.addEventListener('error', () => {
    queue.fail(closedError('network error'));
  });
  return {
    send(bytes: Uint8Array): void {
      if (socket.readyState !== OPEN || queue.ended) throw closedError('not open');
      socket.send(bytes);
    },
    receive: (timeoutMs: number) => queue.receive(timeoutMs),
    close(code: number = CloseCode.normal, reason?: string): void {
      queue.fail(closedError('closed by this side'));
      if (socket.readyState === OPEN || socket.readyState === 0) {
        socket.close(code, shortReason(reason));
      }
    },
  };
}

export interface ConnectOptions {
  /** How long to wait for the socket to open (default 30 s). */
  timeoutMs?: number;
  limits?: ConnectionLimits;
}

function connectTimeout(): BackboneError {
  return new BackboneError(
    'REQUEST_TIMEOUT',
    'Could not connect to the server in time. Check the address and the network, then retry.',
  );
}

/**
 * Opens a Node `ws` WebSocket to `url` (`wss://…` except on localhost) and wraps it. Rejects with
 * `CONNECTION_CLOSED` if it cannot connect, `REQUEST_TIMEOUT` after `timeoutMs`.
 */
export async function connectNodeWebSocket(
  url: string,
  options: ConnectOptions = {},
): Promise<PasswordAccessConnection> {
  const { WebSocket } = await import('ws');
  const socket = new WebSocket(url, {
    maxPayload: options.limits?.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.terminate();
      reject(connectTimeout());
    }, options.timeoutMs ?? 30_000);
    socket.once('open', () => {
      clearTimeout(timer);
      resolve();
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(closedError(`could not connect: ${error.message}`));
    });
  });
  return wrapNodeWebSocket(socket, options.limits);
}

/** Opens a browser WebSocket to `url` and wraps it (as `connectNodeWebSocket`). */
export async function connectBrowserWebSocket(
  url: string,
  options: ConnectOptions = {},
): Promise<PasswordAccessConnection> {
  const socket = new WebSocket(url);
  socket.binaryType = 'arraybuffer';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.close();
      reject(connectTimeout());
    }, options.timeoutMs ?? 30_000);
    socket.addEventListener('open', () => {
      clearTimeout(timer);
      resolve();
    });
    socket.addEventListener('close', () => {
      clearTimeout(timer);
      reject(closedError('could not connect'));
    });
  });
  return wrapBrowserWebSocket(socket, options.limits);
}
