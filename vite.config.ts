import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';

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
    include: ['src-*/**/*.test.ts', 'src-*/**/*.test.tsx', 'e2e/support/**/*.test.ts'],
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
