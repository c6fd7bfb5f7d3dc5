/**
 * The renderer secret scan works: a core in test mode answers the test-only channel
 * `test.plantedKey` (src-main/core/planted-key.ts) with a fresh registered key inside larger
 * blobs, in every encoding and at every byte alignment. The answer really crosses the bridge to
 * the page and is recorded like any other; the scan over the recorded frames must find the key in
 * each form — and nothing else, in the traffic of a page that only started.
 */
import { expect, test } from '@playwright/test';
import { SCAN_ENCODINGS } from '../src-shared/test/secret-scan.js';
import { startCore, type Core } from './cores.js';
import { describeFindings, scanCores } from './support/secret-scan.js';

let core: Core | undefined;
test.afterAll(async () => {
  await core?.stop();
});

test('the scan finds a key planted in a real IPC answer, in every encoding and alignment', async ({
  page,
}) => {
  core = await startCore({ name: 'planted', plantKey: true });
  await page.goto(core.url);
  await expect(page.getByRole('heading', { name: 'Welcome to Backbone' })).toBeVisible();

  // The page asks over its own bridge connection (same origin, same token) for the answer.
  const answer = await page.evaluate(async (url) => {
    const token = new URL(url).searchParams.get('token') ?? '';
    const ws = new WebSocket(`ws://${location.host}/bridge?token=${encodeURIComponent(token)}`);
    return new Promise<unknown>((resolve, reject) => {
      ws.onerror = () => reject(new Error('bridge connection failed'));
      ws.onopen = () =>
        ws.send(
          JSON.stringify({ type: 'invoke', id: 424242, channel: 'test.plantedKey', request: {} }),
        );
      ws.onmessage = (message) => {
        const frame = JSON.parse(String(message.data)) as { type: string; id?: number };
        if (frame.type === 'result' && frame.id === 424242) {
          ws.close();
          resolve(frame);
        }
      };
    });
  }, core.url);
  const planted = (answer as { result: { ok: boolean; response: { planted: object } } }).result;
  expect(planted.ok).toBe(true);
  expect(Object.keys(planted.response.planted).sort()).toEqual([...SCAN_ENCODINGS].sort());

  const scan = scanCores([await core.evidence()]);
  const plantedKey = scan.secrets.findIndex((s) => s.kind === 'test-planted-key');
  expect(plantedKey).toBeGreaterThanOrEqual(0);
  expect(scan.secrets[plantedKey]!.bytes).toHaveLength(64);
  const found = scan.findings.filter((f) => f.secret === plantedKey);
  expect(new Set(found.map((f) => f.encoding))).toEqual(new Set(SCAN_ENCODINGS));
  expect(new Set(found.map((f) => f.channel))).toEqual(new Set(['test.plantedKey']));
  // Its 32-byte halves are registered and found too; no other secret is anywhere.
  const others = scan.findings.filter((f) => !f.kind.startsWith('test-planted-key'));
  expect(describeFindings(others)).toBe('');
  expect(scan.findings.some((f) => f.kind === 'test-planted-key/half2')).toBe(true);
});
