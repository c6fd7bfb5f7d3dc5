/**
 * The one place libsodium is loaded. Every crypto module calls `sodium()` after
 * `await cryptoReady()` (done once at start-up by each process).
 */
import libsodium from 'libsodium-wrappers-sumo';

export type Sodium = typeof libsodium;

let loaded = false;

export async function cryptoReady(): Promise<void> {
  if (loaded) return;
  await libsodium.ready;
  loaded = true;
}

/** The initialized libsodium instance. Throws if `cryptoReady()` was not awaited. */
export function sodium(): Sodium {
  if (!loaded) {
    throw new Error('libsodium used before cryptoReady() resolved');
  }
  return libsodium;
}
