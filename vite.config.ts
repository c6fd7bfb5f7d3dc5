import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';

const UNIT = [
  'src-*/**/*.test.ts',
  'src-*/**/*.test.tsx',
  'e2e/support/**/*.test.ts',
  'scripts/**/*.test.ts',
  'fuzz/**/*.test.ts',
];
const ISOLATED = [
  'src-renderer/**/*.test.ts',
  'src-renderer/**/*.test.tsx',
  'src-main/electron/**/*.test.ts',
];

// The renderer is a plain web app: the same build runs inside Electron (served from app://)
// and in browser mode (served by the bridge on 127.0.0.1).
export default defineConfig({
  root: 'src-renderer',
  base: './',
  plugins: [react()],
  build: {
    outDir: '../dist/renderer',
    emptyOutDir: true,
    target: 'es2023',
    sourcemap: false,
  },
  test: {
    root: '.',
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Two tiers (docs/testing.md): unit tests (`*.test.ts`: no servers, no network, no child
    // processes; the fast loop, `npm run test:unit`) and integration tests (`*.int.test.ts`: real
    // servers, PostgreSQL clusters, CLI processes; `npm run test:int`). `npm test` runs both.
    //
    // The unit tier is two projects. Most unit files share one module graph per worker
    // (`isolate: false`): they import the same crypto and store code, and re-importing it for
    // every file was most of the tier's time. Files that keep state in module singletons (the
    // renderer's zustand stores), mock modules (`vi.mock('electron')`) or need jsdom run isolated.
    // `npm run test:unit` runs both.
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: UNIT,
          exclude: ['**/*.int.test.ts', '**/node_modules/**', ...ISOLATED],
          isolate: false,
        },
      },
      {
        extends: true,
        test: {
          name: 'unit-isolated',
          include: ISOLATED,
          exclude: ['**/*.int.test.ts', '**/node_modules/**'],
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['src-*/**/*.int.test.ts', 'fuzz/**/*.int.test.ts'],
        },
      },
    ],
  },
});
