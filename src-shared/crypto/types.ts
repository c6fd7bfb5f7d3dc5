/**
 * Branded byte types: a box public key cannot be passed where a sign public key is expected.
 * A brand is only a compile-time tag on a Uint8Array; constructors in the wrapper modules check
 * lengths before branding.
 */
declare const brand: unique symbol;

export type Branded<K extends string> = Uint8Array & { readonly [brand]: K };

/** 32-byte XChaCha20-Poly1305 / secretstream key. */
export type SymmetricKey = Branded<'SymmetricKey'>;
/** 32-byte key for crypto_kdf_derive_from_key. */
export type KdfKey = Branded<'KdfKey'>;
/** X25519 public key (crypto_box). */
export type BoxPublicKey = Branded<'BoxPublicKey'>;
/** X25519 secret key (crypto_box). */
export type BoxSecretKey = Branded<'BoxSecretKey'>;
/** Ed25519 public key. */
export type SignPublicKey = Branded<'SignPublicKey'>;
/** Ed25519 secret key (64 bytes: seed ‖ public key, libsodium layout). */
export type SignSecretKey = Branded<'SignSecretKey'>;
/** 32-byte seed for a key pair. */
export type Seed = Branded<'Seed'>;

export interface BoxKeyPair {
  publicKey: BoxPublicKey;
  secretKey: BoxSecretKey;
}

export interface SignKeyPair {
  publicKey: SignPublicKey;
  secretKey: SignSecretKey;
}
