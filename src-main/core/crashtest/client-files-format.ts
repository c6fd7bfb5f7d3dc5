/** What the client-file writer writes at step n, so the parent can tell versions apart. */
import { fromUtf8, toBase64Url, utf8 } from '../../../src-shared/crypto/index.js';
import type { CacheOwner } from '../vault/offline-cache.js';

export const CLIENT_OWNER: CacheOwner = {
  identity: 'bb1crashtest',
  serverId: `bbs1${'a'.repeat(32)}`,
  workspaceId: 'crash-ws',
};

export function keyfilePassword(n: number): string {
  return `crash test password ${n}`;
}

export function profileWorkspace(n: number): string {
  return `workspace-${n}`;
}

export function cachePlaintext(n: number, filler: Uint8Array): Uint8Array {
  return utf8(JSON.stringify({ n, filler: toBase64Url(filler) }));
}

export function cacheStep(plaintext: Uint8Array): number {
  return (JSON.parse(fromUtf8(plaintext)) as { n: number }).n;
}
