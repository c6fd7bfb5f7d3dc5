/**
 * Typed wrapper over libsodium's `crypto_secretstream_xchacha20poly1305`.
 *
 * A secretstream is a sequence of authenticated messages under one key: the pusher makes a
 * 24-byte header (to send first), then each `push` returns one ciphertext of
 * `message.length + 17` bytes. The puller must see the messages in order; a dropped, repeated,
 * reordered or altered message fails authentication. The last message carries `TAG_FINAL`, so
 * a reader that never sees it knows the stream was cut short.
 *
 * Only the two tags Backbone uses are exposed: `'message'` and `'final'`. A pulled message with
 * any other tag (PUSH, REKEY) is refused as corrupt. After `'final'` the state is wiped and the
 * object refuses further use. Call `dispose()` to wipe a stream abandoned before its end.
 *
 * This is the primitive; framing, headers with versions and associated data bound to a
 * context live in `stream.ts` (backups, blobs) and in the transport.
 */
import { BackboneError } from '../errors.js';
import { sodium } from './sodium.js';
import type { SymmetricKey } from './types.js';

export const SECRETSTREAM_KEYBYTES = 32;
export const SECRETSTREAM_HEADERBYTES = 24;
/** Ciphertext expansion per message: 1 encrypted tag byte + 16-byte Poly1305 MAC. */
export const SECRETSTREAM_ABYTES = 17;
/** libsodium tag values (crypto_secretstream_xchacha20poly1305_TAG_*). */
export const SECRETSTREAM_TAG_MESSAGE = 0;
export const SECRETSTREAM_TAG_FINAL = 3;

export type SecretstreamTag = 'message' | 'final';

export interface PulledMessage {
  message: Uint8Array;
  tag: SecretstreamTag;
}

/** Bytes of libsodium's crypto_secretstream_xchacha20poly1305_state (k[32] ‖ nonce[12] ‖ pad[8]). */
const STATE_BYTES = 52;

/**
 * libsodium.js hands the state out as a raw address in the WebAssembly heap (its typings say
 * an object). Wipe it and free it through the raw module when the stream is done, so the
 * stream subkey does not linger in the heap.
 */
interface RawModule {
  HEAPU8: Uint8Array;
  _free(address: number): void;
}

type State = ReturnType<
  ReturnType<typeof sodium>['crypto_secretstream_xchacha20poly1305_init_pull']
>;

function releaseState(state: State): void {
  const raw = (sodium() as unknown as { libsodium?: RawModule }).libsodium;
  const address: unknown =
    typeof state === 'number' ? state : (state as unknown as { address?: unknown }).address;
  if (raw === undefined || typeof address !== 'number') return;
  raw.HEAPU8.fill(0, address, address + STATE_BYTES);
  raw._free(address);
}

function checkKey(key: SymmetricKey): void {
  if (!(key instanceof Uint8Array) || key.length !== SECRETSTREAM_KEYBYTES) {
    throw new BackboneError(
      'CRYPTO_INVALID_KEY',
      `A stream key must be ${SECRETSTREAM_KEYBYTES} bytes.`,
    );
  }
}

function tagValue(tag: SecretstreamTag): number {
  return tag === 'final' ? SECRETSTREAM_TAG_FINAL : SECRETSTREAM_TAG_MESSAGE;
}

/** Encrypting side of a secretstream. */
export class SecretstreamPush {
  /** Send this first; the puller needs it (it is not secret). */
  readonly header: Uint8Array;
  #state: State | undefined;

  private constructor(state: State, header: Uint8Array) {
    this.#state = state;
    this.header = header;
  }

  static init(key: SymmetricKey): SecretstreamPush {
    checkKey(key);
    const { state, header } = sodium().crypto_secretstream_xchacha20poly1305_init_push(key);
    return new SecretstreamPush(state, header);
  }

  /** True once a `'final'` message was pushed or the stream was disposed. */
  get finished(): boolean {
    return this.#state === undefined;
  }

  /**
   * Encrypt one message. `ad` (optional) is authenticated, not encrypted; the puller must pass
   * the same bytes. Pushing `'final'` ends the stream and wipes its state.
   */
  push(message: Uint8Array, tag: SecretstreamTag = 'message', ad?: Uint8Array): Uint8Array {
    const state = this.#state;
    if (state === undefined) {
      throw new BackboneError(
        'INVALID_ARGUMENT',
        'This stream is already finished; start a new stream to send more.',
      );
    }
    const out = sodium().crypto_secretstream_xchacha20poly1305_push(
      state,
      message,
      ad ?? null,
      tagValue(tag),
    );
    if (tag === 'final') this.dispose();
    return out;
  }

  /** Wipe and free the stream state. Safe to call more than once. */
  dispose(): void {
    if (this.#state === undefined) return;
    releaseState(this.#state);
    this.#state = undefined;
  }
}

/** Decrypting side of a secretstream. */
export class SecretstreamPull {
  #state: State | undefined;
  #sawFinal = false;

  private constructor(state: State) {
    this.#state = state;
  }

  static init(key: SymmetricKey, header: Uint8Array): SecretstreamPull {
    checkKey(key);
    if (!(header instanceof Uint8Array) || header.length !== SECRETSTREAM_HEADERBYTES) {
      throw new BackboneError(
        'CRYPTO_STREAM_CORRUPT',
        'The stream header is damaged (wrong length). The data cannot be opened.',
      );
    }
    let state: State;
    try {
      state = sodium().crypto_secretstream_xchacha20poly1305_init_pull(header, key);
    } catch (cause) {
      throw new BackboneError(
        'CRYPTO_STREAM_CORRUPT',
        'The stream header is damaged. The data cannot be opened.',
        { cause },
      );
    }
    return new SecretstreamPull(state);
  }

  /** True once the `'final'` message was pulled. */
  get finished(): boolean {
    return this.#sawFinal;
  }

  /**
   * Authenticate and decrypt the next message. Throws `CRYPTO_DECRYPT_FAILED` (wrong key,
   * wrong associated data, altered, reordered or replayed message) without returning any
   * plaintext; after a failure the stream is unusable.
   */
  pull(ciphertext: Uint8Array, ad?: Uint8Array): PulledMessage {
    const state = this.#state;
    if (state === undefined) {
      throw new BackboneError(
        'CRYPTO_STREAM_CORRUPT',
        this.#sawFinal
          ? 'Data follows the end of the stream. It may have been tampered with.'
          : 'This stream already failed or was closed; it cannot be read further.',
      );
    }
    let result: { message: Uint8Array; tag: number } | false;
    try {
      result =
        ciphertext.length < SECRETSTREAM_ABYTES
          ? false
          : sodium().crypto_secretstream_xchacha20poly1305_pull(state, ciphertext, ad ?? null);
    } catch {
      result = false;
    }
    if (result === false) {
      this.dispose();
      throw new BackboneError(
        'CRYPTO_DECRYPT_FAILED',
        'A part of the stream could not be authenticated: wrong key, or the data was altered ' +
          'or reordered.',
      );
    }
    if (result.tag !== SECRETSTREAM_TAG_MESSAGE && result.tag !== SECRETSTREAM_TAG_FINAL) {
      sodium().memzero(result.message);
      this.dispose();
      throw new BackboneError(
        'CRYPTO_STREAM_CORRUPT',
        'The stream uses a message tag Backbone does not accept. The data cannot be opened.',
      );
    }
    const tag: SecretstreamTag = result.tag === SECRETSTREAM_TAG_FINAL ? 'final' : 'message';
    if (tag === 'final') {
      this.#sawFinal = true;
      this.dispose();
    }
    return { message: result.message, tag };
  }

  /** Wipe and free the stream state. Safe to call more than once. */
  dispose(): void {
    if (this.#state === undefined) return;
    releaseState(this.#state);
    this.#state = undefined;
  }
}
