/**
 * Loads many entries into one namespace fast, for benchmarks: the model builds big changes of
 * `batch` new entries each, the SDK commits them (one request per batch instead of per entry).
 */
import type { BackboneClient } from '../src-shared/sdk/client.js';
import { StoreView, writeEntry, type StoreChange } from '../src-shared/store/index.js';

export async function fillNamespace(
  client: BackboneClient,
  prefix: string,
  count: number,
  batch = 1_000,
): Promise<void> {
  const { ctx, done } = await client.storeService.context();
  const { view } = await client.storeService.records({ none: true });
  try {
    for (let start = 0; start < count; start += batch) {
      const change: StoreChange = {
        v: 1,
        workspace: view.workspaceId,
        put: { namespaces: [], grants: [], entries: [] },
        remove: { namespaces: [], grants: [], entries: [] },
        expect: [],
      };
      const base = new StoreView(view.workspaceId, {
        namespaces: view.allNamespaces(),
        grants: view.allGrants(),
        entries: [],
      });
      for (let i = start; i < Math.min(count, start + batch); i++) {
        const write = writeEntry(ctx, base, { path: `${prefix}/e${i}`, value: `value ${i}` });
        change.put.entries.push(write.record);
        for (const e of write.change.expect) {
          if (e.type === 'entry' || change.expect.length === 0) change.expect.push(e);
          else if (!change.expect.some((x) => x.type === e.type && x.id === e.id)) {
            change.expect.push(e);
          }
        }
      }
      await client.storeService.commit({ change });
    }
  } finally {
    await done(false);
  }
}
