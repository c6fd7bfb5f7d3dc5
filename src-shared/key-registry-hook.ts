/**
 * TESTS ONLY: the hook through which the shared code tells a test harness about each secret it
 * derives or holds (root secret, key-pair seeds and secret keys, subkeys, symmetric keys,
 * naming keys, SPAKE2+EE session keys, bearer tokens, …), so an end-to-end test can search the
 * renderer's traffic for every one of them (docs/architecture.md, "What crosses the boundary").
 *
 * No recorder is installed in the product: `noteSecret` then does nothing and keeps nothing.
 * The app core installs one only with NODE_ENV=test and `BACKBONE_TEST_KEY_REGISTRY`
 * (src-main/core/key-registry.ts). This module imports nothing, so any shared module may call it.
 */
export type SecretRecorder = (kind: string, secret: Uint8Array | string) => void;

let recorder: SecretRecorder | undefined;

/** Installs (or, with `undefined`, removes) the process's recorder. Returns the previous one. */
export function setSecretRecorder(next: SecretRecorder | undefined): SecretRecorder | undefined {
  const previous = recorder;
  recorder = next;
  return previous;
}

/** Whether a recorder is installed (false in the product). */
export function secretRecorderInstalled(): boolean {
  return recorder !== undefined;
}

/** Tells the recorder, if any, about a secret. A no-op without one. */
export function noteSecret(kind: string, secret: Uint8Array | string | undefined): void {
  if (recorder !== undefined && secret !== undefined) recorder(kind, secret);
}
