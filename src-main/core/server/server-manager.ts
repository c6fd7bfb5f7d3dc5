/**
 * Which server the app talks to: the embedded local server (the default, started by the core
 * itself) or a remote one. Checks a server before it is used (reachable, a Backbone server, the
 * same server id as pinned before) and pins it (trust on first use, like the CLI).
 */
import {
  newClientNonce,
  serverInfoResponseSchema,
  verifiedServerKeys,
} from '../../../src-shared/api/server.js';
import { BackboneError } from '../../../src-shared/errors.js';
import type { ServerChoice } from '../../../src-shared/ipc/contract.js';
import { HttpClient, isLoopbackHost, normalizeServerUrl } from '../../../src-shared/sdk/http.js';
import { embeddedServerDir, type CoreContext } from '../core-context.js';
import { startEmbeddedServer, type EmbeddedServer } from './embedded-server.js';

/**
 * A remote server address as the app accepts it: https://, or http:// only to this computer
 * (`INSECURE_TRANSPORT` otherwise; the app has no switch for plain http to another machine).
 */
export function secureRemoteUrl(url: string): string {
  const normalized = normalizeServerUrl(url.trim());
  const parsed = new URL(normalized);
  if (parsed.protocol === 'http:' && !isLoopbackHost(parsed.hostname)) {
    throw new BackboneError(
      'INSECURE_TRANSPORT',
      `Backbone talks to a server on another computer only over https:// (${parsed.origin} has no encryption in transit: anyone on the network could read and change it). Ask the server operator for its https:// address.`,
    );
  }
  return normalized;
}

interface CheckedServer {
  url: string;
  serverId: string;
  boxPublicKey: string;
  signPublicKey: string;
  /** A pin for this address existed (and matched). */
  pinned: boolean;
}

export class ServerManager {
  #embedded: EmbeddedServer | undefined;
  #starting: Promise<EmbeddedServer> | undefined;
  #lastError: BackboneError | undefined;

  constructor(private readonly ctx: CoreContext) {}

  get embeddedDir(): string {
    return embeddedServerDir(this.ctx.dataDir);
  }

  /** At core start: runs the embedded server if it was chosen. Never throws (see lastError). */
  async start(): Promise<void> {
    const state = await this.ctx.appState.read();
    if (state.serverMode !== 'embedded') return;
    try {
      await this.#ensureEmbedded();
    } catch (error) {
      this.ctx.log(`embedded server did not start: ${error instanceof Error ? error.message : ''}`);
    }
  }

  get lastError(): BackboneError | undefined {
    return this.#lastError;
  }

  async stop(): Promise<void> {
    const embedded = this.#embedded;
    this.#embedded = undefined;
    this.#starting = undefined;
    await embedded?.close();
  }

  /** The server in use, or null before one was chosen. */
  async current(): Promise<ServerChoice | null> {
    const [state, data] = await Promise.all([this.ctx.appState.read(), this.ctx.profile.read()]);
    if (state.serverMode === null || data.server === undefined) return null;
    const pin = await this.ctx.store.getServerPin(data.server);
    return {
      mode: state.serverMode,
      url: data.server,
      serverId: pin?.serverId ?? state.embedded?.serverId ?? '',
    };
  }

  /** Uses the embedded server (starts it if needed). */
  async chooseEmbedded(): Promise<ServerChoice> {
    const server = await this.#ensureEmbedded();
    const serverId = await this.probe(server.url);
    await this.ctx.appState.update((s) => ({
      ...s,
      serverMode: 'embedded',
      embedded: { port: server.port, serverId },
    }));
    await this.ctx.profile.update((d) => ({ ...d, server: server.url }));
    return { mode: 'embedded', url: server.url, serverId };
  }

  /** Uses a remote server after checking it answers as a Backbone server. */
  async chooseRemote(url: string): Promise<ServerChoice> {
    const prepared = await this.prepareRemote(url);
    await prepared.use();
    return prepared.choice;
  }

  /**
   * Checks a remote server (its key proof, and its pin if it has one) without changing anything:
   * `use()` then pins it and makes it this device's server. For a request that can still be
   * refused after talking to the server (sign-in with the password): a refusal leaves no trace.
   */
  async prepareRemote(url: string): Promise<{ choice: ServerChoice; use(): Promise<void> }> {
    const normalized = secureRemoteUrl(url);
    const checked = await this.#check(normalized);
    return {
      choice: { mode: 'remote', url: normalized, serverId: checked.serverId },
      use: async () => {
        await this.#pin(checked);
        await this.ctx.appState.update((s) => ({ ...s, serverMode: 'remote' }));
        await this.ctx.profile.update((d) => ({ ...d, server: normalized }));
        await this.stop();
      },
    };
  }

  /**
   * Asks `GET /v1/server` with a fresh nonce, checks the id matches the key and that key's proof
   * over the box key and the nonce (`SERVER_PROOF_INVALID`), compares with a pin for that address
   * (`SERVER_KEY_CHANGED` if it differs) and pins it. Returns the server id.
   */
  async probe(url: string): Promise<string> {
    const checked = await this.#check(url);
    await this.#pin(checked);
    return checked.serverId;
  }

  /** The key proof and pin comparison of `probe`, without pinning. */
  async #check(url: string): Promise<CheckedServer> {
    const nonce = newClientNonce();
    const info = await new HttpClient(url, { timeoutMs: 15_000 }).request(
      'GET',
      `/v1/server?nonce=${nonce}`,
      { schema: serverInfoResponseSchema, expect: 200 },
    );
    const { serverId } = verifiedServerKeys(info, nonce);
    const pinned = await this.ctx.store.getServerPin(url);
    if (pinned && (pinned.serverId !== serverId || pinned.boxPublicKey !== info.boxPublicKey)) {
      throw new BackboneError(
        'SERVER_KEY_CHANGED',
        `The server at ${url} now presents another identity than the one pinned. Check the address and ask the server operator before going on.`,
      );
    }
    return {
      url,
      serverId,
      boxPublicKey: info.boxPublicKey,
      signPublicKey: info.signPublicKey,
      pinned: pinned !== null && pinned !== undefined,
    };
  }

  /** Pins a checked server's keys for its address (first use only; a pin never changes here). */
  async #pin(checked: CheckedServer): Promise<void> {
    if (checked.pinned) return;
    await this.ctx.store.setServerPin({
      url: checked.url,
      serverId: checked.serverId,
      boxPublicKey: checked.boxPublicKey,
      signPublicKey: checked.signPublicKey,
    });
  }

  /** A new address for the same server (same server id), e.g. after it moved. */
  async changeRemoteUrl(url: string): Promise<ServerChoice> {
    const current = await this.current();
    if (!current || current.mode !== 'remote') {
      throw new BackboneError(
        'SESSION_WRONG_STATE',
        'Only the address of a remote server can be changed.',
      );
    }
    const normalized = secureRemoteUrl(url);
    const serverId = await this.probe(normalized);
    if (serverId !== current.serverId) {
      throw new BackboneError(
        'SERVER_KEY_CHANGED',
        'That address answers with another server than the one your workspace lives on. Check the address with the server operator.',
      );
    }
    await this.ctx.profile.update((d) => ({ ...d, server: normalized }));
    return { mode: 'remote', url: normalized, serverId };
  }

  async #ensureEmbedded(): Promise<EmbeddedServer> {
    if (this.#embedded) return this.#embedded;
    this.#starting ??= (async () => {
      const state = await this.ctx.appState.read();
      try {
        const server = await startEmbeddedServer({
          dataDir: this.embeddedDir,
          ...(state.embedded ? { preferredPort: state.embedded.port } : {}),
          weakKdf: this.ctx.testMode.weakKdf,
        });
        this.#embedded = server;
        this.#lastError = undefined;
        if (state.serverMode === 'embedded') {
          // The address may have changed (the old port was taken): keep the profile current.
          const serverId = await this.probe(server.url);
          if (state.embedded && state.embedded.serverId !== serverId) {
            throw new BackboneError(
              'SERVER_KEY_CHANGED',
              `The embedded server's keys in ${this.embeddedDir} changed. Restore that folder from a backup.`,
            );
          }
          await this.ctx.appState.update((s) => ({
            ...s,
            embedded: { port: server.port, serverId },
          }));
          await this.ctx.profile.update((d) => ({ ...d, server: server.url }));
        }
        return server;
      } catch (error) {
        this.#starting = undefined;
        this.#lastError =
          error instanceof BackboneError
            ? error
            : new BackboneError(
                'UNAVAILABLE',
                `The embedded server could not start (${(error as NodeJS.ErrnoException).code ?? 'error'}). Check that ${this.embeddedDir} is writable, or choose a remote server.`,
                { cause: error },
              );
        throw this.#lastError;
      }
    })();
    return this.#starting;
  }

  /** The running embedded server (for status), if any. */
  get embedded(): EmbeddedServer | undefined {
    return this.#embedded;
  }
}
