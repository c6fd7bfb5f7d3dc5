/**
 * The system clipboard for the core's `vault.copy`: Electron's `clipboard` module, so a copied
 * secret never travels to the renderer and the core can clear it after the chosen time.
 */
import { clipboard } from 'electron';
import type { Clipboard } from '../core/vault/clipboard.js';

export function electronClipboard(): Clipboard {
  return {
    writeText: (text) => clipboard.writeText(text),
    readText: () => clipboard.readText(),
    clear: () => clipboard.clear(),
  };
}
