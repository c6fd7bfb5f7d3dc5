/**
 * A malicious-server test double: an HTTP proxy in front of a real Backbone server that passes
 * requests through and lets a test rewrite the JSON answers (swap keys, drop or forge log
 * entries, serve another history), to show that the SDK refuses what a hostile server says.
 *
 *     const proxy = await MaliciousProxy.start(server.url);
 *     proxy.rewrite = (request, status, body) => … return a new body, or undefined to keep it;
 *     const client = new BackboneClient({ server: proxy.url, … });
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ProxiedRequest {
  method: string;
  /** Path and query, e.g. `/v1/workspaces/abc/log?from=0&limit=1000`. */
  path: string;
  pathname: string;
  query: URLSearchParams;
}

/** Returns a replacement body (JSON value) or undefined to pass the answer through. */
export type Rewriter = (request: ProxiedRequest, status: number, body: unknown) => unknown;

const FORWARDED_REQUEST_HEADERS = ['authorization', 'content-type', 'accept'];
const FORWARDED_RESPONSE_HEADERS = ['content-type', 'retry-after', 'www-authenticate', 'allow'];

export class MaliciousProxy {
  rewrite: Rewriter | undefined;
  /** Every request seen (method and path), for assertions. */
  readonly seen: ProxiedRequest[] = [];

  private constructor(
    private readonly server: http.Server,
    readonly url: string,
    private readonly upstream: string,
  ) {}

  static async start(upstream: string): Promise<MaliciousProxy> {
    const holder: { proxy?: MaliciousProxy } = {};
    const server = http.createServer((req, res) => {
      void holder.proxy?.handle(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    holder.proxy = new MaliciousProxy(
      server,
      `http://127.0.0.1:${port}`,
      upstream.replace(/\/+$/, ''),
    );
    return holder.proxy;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    try {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const body = Buffer.concat(chunks);
      const headers: Record<string, string> = {};
      for (const name of FORWARDED_REQUEST_HEADERS) {
        const value = req.headers[name];
        if (typeof value === 'string') headers[name] = value;
      }
      const path = req.url ?? '/';
      const url = new URL(path, this.upstream);
      const request: ProxiedRequest = {
        method: req.method ?? 'GET',
        path,
        pathname: url.pathname,
        query: url.searchParams,
      };
      this.seen.push(request);
      const answer = await fetch(this.upstream + path, {
        method: request.method,
        headers,
        ...(body.length > 0 ? { body } : {}),
      });
      let text = await answer.text();
      if (this.rewrite && (answer.headers.get('content-type') ?? '').includes('json') && text) {
        const replaced = this.rewrite(request, answer.status, JSON.parse(text) as unknown);
        if (replaced !== undefined) text = JSON.stringify(replaced);
      }
      const out: Record<string, string> = {};
      for (const name of FORWARDED_RESPONSE_HEADERS) {
        const value = answer.headers.get(name);
        if (value !== null) out[name] = value;
      }
      res.writeHead(answer.status, out);
      res.end(text);
    } catch (error) {
      res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`proxy failure: ${String(error)}`);
    }
  }
}
