/**
 * The OS keychain for quick unlock: Electron's `safeStorage` (Keychain on macOS, DPAPI on
 * Windows, libsecret/kwallet on Linux). On Linux without a secret store, safeStorage falls back
 * to a hard-coded password ("basic_text"): that is no protection, so it counts as unavailable.
 */
import { safeStorage } from 'electron';
import type { Keychain } from '../core/session/keychain.js';

export function safeStorageKeychain(): Keychain {
  return {
    available() {
      if (!safeStorage.isEncryptionAvailable()) return false;
      if (process.platform === 'linux') {
        const backend = safeStorage.getSelectedStorageBackend?.();
        if (backend === 'basic_text' || backend === 'unknown') return false;
      }
      return true;
    },
    encrypt: (plain) => new Uint8Array(safeStorage.encryptString(plain)),
    decrypt: (sealed) => safeStorage.decryptString(Buffer.from(sealed)),
  };
}
