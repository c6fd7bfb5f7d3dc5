#!/usr/bin/env node
/**
 * Builds everything the app needs into dist/:
 *   dist/renderer   the React renderer (Vite)
 *   dist/main       the Electron main process (ESM)
 *   dist/preload    the sandboxed preload (CommonJS: sandboxed preloads cannot be ESM)
 *   dist/bridge     browser mode (the app core behind the loopback bridge)
 *   dist/cli        the `backbone` command
 * Node modules stay external (electron-builder packages the production dependencies).
 */
import { build as esbuild } from 'esbuild';
import { build as viteBuild } from 'vite';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const quiet = process.argv.includes('--quiet');

const node = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  logLevel: 'warning',
  absWorkingDir: root,
};

// ESM bundles run in Node: give them require() for any CommonJS dependency they inline.
const esmBanner = {
  js: "import { createRequire as __bbCreateRequire } from 'node:module'; const require = __bbCreateRequire(import.meta.url);",
};

export async function build(options = {}) {
  const silent = options.quiet ?? quiet;
  await rm(path.join(root, 'dist'), { recursive: true, force: true });
  await Promise.all([
    viteBuild({
      configFile: path.join(root, 'vite.config.ts'),
      logLevel: silent ? 'warn' : 'info',
    }),
    esbuild({
      ...node,
      entryPoints: { main: 'src-main/electron/main.ts' },
      outdir: 'dist/main',
      format: 'esm',
      packages: 'external',
      banner: esmBanner,
    }),
    esbuild({
      ...node,
      entryPoints: { preload: 'src-main/electron/preload.ts' },
      outfile: 'dist/preload/preload.cjs',
      format: 'cjs',
      external: ['electron'],
    }),
    esbuild({
      ...node,
      entryPoints: { main: 'src-main/bridge/main.ts' },
      outdir: 'dist/bridge',
      format: 'esm',
      packages: 'external',
      banner: esmBanner,
    }),
    esbuild({
      ...node,
      entryPoints: { backbone: 'src-cli/main.ts' },
      outdir: 'dist/cli',
      format: 'esm',
      packages: 'external',
      banner: esmBanner,
    }),
  ]);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  build().catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
