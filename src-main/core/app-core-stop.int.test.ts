/** The core's shutdown clears a copied secret from the clipboard before it resolves. */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { cryptoReady } from '../../src-shared/crypto/index.js';
import { AppCore } from './app-core.js';
import type { Clipboard } from './vault/clipboard.js';

let dataDir: string;

beforeEach(async () => {
  await cryptoReady();
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'backbone-core-stop-'));
});
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

/** An asynchronous clipboard whose reads and clears take a while (like a busy system). */
function slowClipboard(): Clipboard & { text: string } {
  const later = () => new Promise<void>((resolve) => setTimeout(resolve, 20));
  const board = {
    text: '',
    writeText: (text: string) => {
      board.text = text;
    },
    readText: async () => {
      await later();
      return board.text;
    },
    clear: async () => {
      await later();
      board.text = '';
    },
  };
  return board;
}

it('stop() resolves only after a copied secret was cleared from the clipboard', async () => {
  const clipboard = slowClipboard();
  const core = new AppCore({ dataDir, runtime: 'electron', clipboard });
  await core.start();
  await core.services.vault.clipboard!.copy('s3cret value', 30);
  expect(clipboard.text).toBe('s3cret value');
  await core.stop();
  expect(clipboard.text).toBe('');
});
