/**
 * A small closed-loop HTTP/1.1 load generator for the server benchmark: `connections` keep-alive
 * sockets to 127.0.0.1, each sending the same pre-built request as soon as the previous answer
 * has fully arrived, for a fixed time. Every answer is parsed (status line, Content-Length,
 * body) and timed from the write of the request to the last byte of the answer.
 *
 * Raw sockets instead of `http.request` so that the generator spends as little CPU as
 * possible: on a 2-core machine it shares the CPU with the server under test.
 */
import net from 'node:net';

export interface LoadOptions {
  port: number;
  /** Request path, e.g. `/healthz`. */
  path: string;
  /** Extra request headers (e.g. authorization). */
  headers?: Record<string, string>;
  /** Concurrent connections, each with one request in flight. */
  connections: number;
  /** How long to send requests (ms); requests in flight at the end are still counted. */
  durationMs: number;
  /** Status every answer must have (default 200); others count as errors. */
  expectStatus?: number;
}

export interface LoadResult {
  /** Answers with the expected status. */
  requests: number;
  /** Answers with another status. */
  errors: number;
  /** Status and start of the body of the first wrong answer. */
  firstError?: string;
  /** From the first timed request to the last answer. */
  seconds: number;
  /** Per answered request (expected status only), ms. */
  latenciesMs: number[];
}

const HEADER_END = Buffer.from('\r\n\r\n');
const CONTENT_LENGTH = /\r\ncontent-length:[ \t]*(\d+)/i;
const CHUNKED = /\r\ntransfer-encoding:[^\r]*chunked/i;

interface Parsed {
  status: number;
  body: Buffer;
}

/** Incremental parser of answers on one connection (no chunked encoding, no pipelining). */
class ResponseReader {
  #buffer: Buffer = Buffer.alloc(0);

  /** Feed bytes; returns the complete answer when one has arrived. */
  push(chunk: Buffer): Parsed | undefined {
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    const headEnd = this.#buffer.indexOf(HEADER_END);
    if (headEnd < 0) return undefined;
    const head = this.#buffer.toString('latin1', 0, headEnd);
    if (CHUNKED.test(head)) throw new Error('chunked answers are not supported by this client');
    const length = CONTENT_LENGTH.exec(head);
    const bodyLength = length ? Number(length[1]) : 0;
    const total = headEnd + HEADER_END.length + bodyLength;
    if (this.#buffer.length < total) return undefined;
    if (this.#buffer.length > total) throw new Error('unexpected bytes after an answer');
    const status = Number(head.slice(9, 12));
    const body = this.#buffer.subarray(headEnd + HEADER_END.length, total);
    this.#buffer = Buffer.alloc(0);
    return { status, body };
  }
}

function buildRequest(options: LoadOptions): Buffer {
  const lines = [
    `GET ${options.path} HTTP/1.1`,
    `host: 127.0.0.1:${options.port}`,
    'connection: keep-alive',
    'accept: application/json',
  ];
  for (const [name, value] of Object.entries(options.headers ?? {}))
    lines.push(`${name}: ${value}`);
  return Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
}

interface Connection {
  socket: net.Socket;
  /** Sends the request; resolves with the answer. */
  send(): Promise<Parsed>;
}

function connect(port: number, request: Buffer): Promise<Connection> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.setNoDelay(true);
    const reader = new ResponseReader();
    let pending: { resolve: (p: Parsed) => void; reject: (e: Error) => void } | undefined;
    const fail = (error: Error) => {
      const p = pending;
      pending = undefined;
      p?.reject(error);
    };
    socket.on('data', (chunk: Buffer) => {
      try {
        const answer = reader.push(chunk);
        if (answer && pending) {
          const p = pending;
          pending = undefined;
          p.resolve(answer);
        }
      } catch (error) {
        socket.destroy();
        fail(error as Error);
      }
    });
    socket.on('error', (error) => {
      fail(error);
      reject(error);
    });
    socket.on('close', () => fail(new Error('the server closed the connection')));
    socket.once('connect', () =>
      resolve({
        socket,
        send: () =>
          new Promise<Parsed>((res, rej) => {
            pending = { resolve: res, reject: rej };
            socket.write(request);
          }),
      }),
    );
  });
}

/** Runs one load test; throws if a connection fails. */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const request = buildRequest(options);
  const expect = options.expectStatus ?? 200;
  const connections = await Promise.all(
    Array.from({ length: options.connections }, () => connect(options.port, request)),
  );
  try {
    // One untimed request per connection: the server has seen each socket before timing.
    await Promise.all(connections.map((c) => c.send()));
    const result: LoadResult = { requests: 0, errors: 0, seconds: 0, latenciesMs: [] };
    const started = performance.now();
    const deadline = started + options.durationMs;
    let last = started;
    await Promise.all(
      connections.map(async (c) => {
        while (performance.now() < deadline) {
          const t0 = performance.now();
          const answer = await c.send();
          const t1 = performance.now();
          last = Math.max(last, t1);
          if (answer.status === expect) {
            result.requests++;
            result.latenciesMs.push(t1 - t0);
          } else {
            result.errors++;
            result.firstError ??= `${answer.status} ${answer.body.toString('utf8', 0, 200)}`;
          }
        }
      }),
    );
    result.seconds = (last - started) / 1000;
    return result;
  } finally {
    for (const c of connections) c.socket.destroy();
  }
}
