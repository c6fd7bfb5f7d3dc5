/**
 * A small client-file crash test for the suite (the full one is `npm run crashtest`,
 * docs/server.md): the writer of the keyfile, the offline copy and the profile files killed
 * with SIGKILL 10 times mid-write, fixed seed. Every file opens, old or new, never a mix.
 */
import { describe, expect, it } from 'vitest';
import { cryptoReady } from '../../../src-shared/crypto/index.js';
import { runClientFiles } from './client-files.js';

describe('client-file crash test (small)', () => {
  it('the writer killed 10 times: every file opens with the old or the new content', async () => {
    await cryptoReady();
    const result = await runClientFiles({ kills: 10, seed: 20261203 });
    expect(result.corrupt).toEqual([]);
    expect(result.kills).toBe(10);
    expect(result.writes).toBeGreaterThan(0);
  }, 300_000);
});
