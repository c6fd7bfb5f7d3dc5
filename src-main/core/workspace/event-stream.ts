/**
 * A client of the server's push channel (`GET /v1/events`, WebSocket; src-shared/api/events.ts):
 * sends `hello` with the token (never in the URL), keeps the last cursor, reconnects with
 * backoff and resumes from that cursor. Events are hints: the listener refetches and verifies.
 */
import WebSocket from 'ws';
import { API_VERSION } from '../../../src-shared/api/common.js';
import {
  EVENTS_PATH,
  parseServerMessage,
  unknownEventCursor,
  type ServerEvent,
} from '../../../src-shared/api/events.js';

export interface EventStreamOptions {
  /** Server base URL (http or https). */
  server: string;
  /** A valid bearer token (asked again on every reconnect). */
  token: () => Promise<string>;
  /** Limit to these workspaces (default: every workspace the identity is or becomes a member of). */
  workspaces?: string[];
  onEvent: (event: ServerEvent) => void;
  /** Connected and caught up (also after a reconnect: refetch what may have been missed). */
  onReady?: () => void;
  /** Something went wrong (already handled by reconnecting); for logs. */
  onError?: (error: unknown) => void;
  /**
   * The socket closed (a reconnect follows): its close code (1006 = no close frame, the
   * connection was cut or never made) and the last socket error, if any.
   */
  onClose?: (code: number, error: unknown) => void;
  /** Test hook. */
  minDelayMs?: number;
}

export class EventStream {
  #socket: WebSocket | undefined;
  #cursor: string | undefined;
  #stopped = false;
  #delay: number;
  #timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: EventStreamOptions) {
    this.#delay = options.minDelayMs ?? 1000;
  }

  start(): void {
    this.#stopped = false;
    void this.#connect();
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    const socket = this.#socket;
    this.#socket = undefined;
    socket?.removeAllListeners();
    socket?.on('error', () => undefined);
    if (socket && socket.readyState !== WebSocket.CLOSED) socket.terminate();
  }

  async #connect(): Promise<void> {
    if (this.#stopped) return;
    let token: string;
    try {
      token = await this.options.token();
    } catch (error) {
      this.options.onError?.(error);
      this.#retry();
      return;
    }
    if (this.#stopped) return;
    const url = this.options.server.replace(/^http/, 'ws') + EVENTS_PATH;
    const socket = new WebSocket(url, { perMessageDeflate: false, maxPayload: 1024 * 1024 });
    this.#socket = socket;
    socket.on('open', () => {
      socket.send(
        JSON.stringify({
          v: API_VERSION,
          type: 'hello',
          token,
          ...(this.#cursor !== undefined ? { cursor: this.#cursor } : {}),
          ...(this.options.workspaces ? { workspaces: this.options.workspaces } : {}),
        }),
      );
    });
    let lastError: unknown;
    socket.on('message', (data) => this.#message(String(data)));
    socket.on('error', (error) => {
      lastError = error;
      this.options.onError?.(error);
    });
    socket.on('close', (code) => {
      if (this.#socket === socket) this.#socket = undefined;
      this.options.onClose?.(code, lastError);
      this.#retry();
    });
  }

  #message(text: string): void {
    let message;
    try {
      message = parseServerMessage(text);
    } catch (error) {
      this.options.onError?.(error);
      return;
    }
    if (message === undefined) {
      this.#cursor = unknownEventCursor(text) ?? this.#cursor;
      return;
    }
    switch (message.type) {
      case 'ready':
        this.#delay = this.options.minDelayMs ?? 1000;
        this.#cursor = message.cursor;
        this.options.onReady?.();
        break;
      case 'reset':
        this.#cursor = message.cursor;
        this.options.onReady?.();
        break;
      case 'event':
        this.#cursor = message.cursor;
        this.options.onEvent(message.event);
        break;
      case 'error':
        this.options.onError?.(new Error(`${message.code}: ${message.message}`));
        break;
    }
  }

  #retry(): void {
    if (this.#stopped || this.#timer) return;
    const delay = this.#delay;
    this.#delay = Math.min(this.#delay * 2, 30_000);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.#connect();
    }, delay);
    this.#timer.unref?.();
  }
}
