/**
 * The embedded local server: the Backbone server (`src-server`) run inside the app core, with
 * SQLite and its keys in `<dataDir>/server`, listening on 127.0.0.1 only. Like
 * `src-server/main.ts` `startServer`, but quiet, on the port it had last time when that is free
 * (so the address the profile pinned stays the same) or any free port otherwise. The server code
 * loads only when this runs.
 */
import { mkdir } from 'node:fs/promises';
import { randomBytes } from '../../../src-shared/crypto/index.js';

export interface EmbeddedServer {
  url: string;
  port: number;
  dataDir: string;
  close(): Promise<void>;
}

export interface EmbeddedServerOptions {
  dataDir: string;
  /** Try this port first (0 or absent: any free port). */
  preferredPort?: number;
  /** TESTS ONLY (weak-KDF switch): password access with the cheap test parameters. */
  weakKdf?: boolean;
}

export async function startEmbeddedServer(options: EmbeddedServerOptions): Promise<EmbeddedServer> {
  const [{ buildServer }, { defaultServerConfig }, { createLogger }, { openStorage }] =
    await Promise.all([
      import('../../../src-server/app.js'),
      import('../../../src-server/config.js'),
      import('../../../src-server/logger.js'),
      import('../../../src-server/storage/open.js'),
    ]);
  await mkdir(options.dataDir, { recursive: true, mode: 0o700 });
  const storage = await openStorage({ dataDir: options.dataDir });
  const config = {
    ...defaultServerConfig(options.dataDir),
    host: '127.0.0.1',
    logLevel: 'warn' as const,
  };
  const listen = async (port: number) => {
    const app = buildServer({
      config: { ...config, port },
      storage,
      logger: createLogger('warn'),
      ...(options.weakKdf
        ? {
            testOnlyPasswordAccess: {
              random: randomBytes,
              params: { opslimit: 2, memlimit: 64 * 1024 * 1024 },
            },
          }
        : {}),
    });
    try {
      await app.listen({ host: '127.0.0.1', port });
      return app;
    } catch (error) {
      await app.close().catch(() => undefined);
      throw error;
    }
  };
  let app: Awaited<ReturnType<typeof listen>>;
  try {
    try {
      app = await listen(options.preferredPort ?? 0);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || !options.preferredPort) {
        throw error;
      }
      app = await listen(0);
    }
  } catch (error) {
    await storage.close().catch(() => undefined);
    throw error;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  let closing: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    dataDir: options.dataDir,
    close() {
      closing ??= app
        .close()
        .then(() => storage.close())
        .then(() => undefined);
      return closing;
    },
  };
}
