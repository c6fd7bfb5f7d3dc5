/**
 * Test-only switches of the app core. Each is honoured ONLY with NODE_ENV=test, like the CLI's
 * (docs/cli.md): the product defaults (Argon2id at or above the floors) apply everywhere else.
 *
 * - `BACKBONE_TEST_WEAK_KDF=1`: new keyfiles use Argon2id 1 pass / 8 MiB (and such keyfiles are
 *   accepted); password access uses the injected-random floors (2 passes / 64 MiB).
 * - `BACKBONE_TEST_IPC_RECORD=FILE`: the browser bridge appends every frame it receives and
 *   sends to FILE (JSON lines), so an end-to-end test can check that no key material ever
 *   reaches the renderer.
 * - `BACKBONE_TEST_KEY_REGISTRY=FILE`: the core appends every secret it derives or holds to FILE
 *   (key-registry.ts), for the end-to-end secret scan.
 * - `BACKBONE_TEST_PLANT_KEY=1`: the browser bridge answers the test-only channel
 *   `test.plantedKey` with a fresh registered key in every encoding (planted-key.ts), so an
 *   end-to-end test proves that the secret scan finds a key that does cross the bridge.
 */
export interface TestMode {
  weakKdf: boolean;
  ipcRecordFile: string | undefined;
  keyRegistryFile?: string | undefined;
  plantKey?: boolean;
}

export function testModeFromEnv(env: NodeJS.ProcessEnv = process.env): TestMode {
  const isTest = env.NODE_ENV === 'test';
  const record = env.BACKBONE_TEST_IPC_RECORD;
  const registry = env.BACKBONE_TEST_KEY_REGISTRY;
  return {
    weakKdf: isTest && env.BACKBONE_TEST_WEAK_KDF === '1',
    ipcRecordFile: isTest && record !== undefined && record !== '' ? record : undefined,
    keyRegistryFile: isTest && registry !== undefined && registry !== '' ? registry : undefined,
    plantKey: isTest && env.BACKBONE_TEST_PLANT_KEY === '1',
  };
}

export const NO_TEST_MODE: TestMode = Object.freeze({
  weakKdf: false,
  ipcRecordFile: undefined,
  keyRegistryFile: undefined,
  plantKey: false,
});

/** Argon2id parameters of new keyfiles under the test-only weak switch. */
export const WEAK_TEST_KDF = Object.freeze({ opslimit: 1, memlimit: 8 * 1024 * 1024 });
