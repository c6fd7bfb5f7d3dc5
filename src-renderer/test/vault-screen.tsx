/**
 * Shared setup of the VaultScreen tests: a fresh vault store and a fake clipboard before each test,
 * cleanup after, and helpers that open the screen and an entry.
 */
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, beforeEach, vi } from 'vitest';
import type { RevealedEntry } from '../../src-shared/ipc/contract.js';
import { VaultScreen } from '../screens/vault/VaultScreen.js';
import { clearClipboardNow } from '../stores/clipboard-countdown.js';
import { useVaultStore } from '../stores/vault-store.js';
import { fakeIpc, type FakeIpc } from './fake-ipc.js';
import { vaultIpc } from './vault-fixtures.js';

/** What the fake clipboard holds. */
export const clipboard = { text: '' };
export const writeText = vi.fn(async (text: string) => {
  clipboard.text = text;
});
export const readText = vi.fn(async () => clipboard.text);

/** Registers the hooks every VaultScreen test file needs; call it at the top of the file. */
export function setUpVaultScreenTests(): void {
  beforeEach(() => {
    useVaultStore.getState().reset();
    clipboard.text = '';
    writeText.mockClear();
    Object.defineProperty(navigator, 'clipboard', {
      value: { writeText, readText },
      configurable: true,
    });
  });

  afterEach(async () => {
    cleanup();
    await clearClipboardNow();
    vi.useRealTimers();
  });
}

export function revealed(path: string, value: string, version = 1): RevealedEntry {
  return { path, value, version, writer: 'ada', expiresAt: null };
}

export async function open(ipc: FakeIpc = vaultIpc(fakeIpc())) {
  render(<VaultScreen />);
  await screen.findByRole('listbox', { name: 'Entries' });
  return ipc;
}

export async function openEntry(name: string) {
  fireEvent.click(screen.getByRole('button', { name: 'team' }));
  if (name.startsWith('db/')) {
    fireEvent.click(await screen.findByRole('button', { name: 'db' }));
    name = name.slice(3);
  }
  fireEvent.click(await screen.findByRole('option', { name: new RegExp(`^${name}`) }));
  return screen.findByRole('region', { name: new RegExp(`/${name}$`) });
}

export const button = (name: string) => screen.getByRole('button', { name });
