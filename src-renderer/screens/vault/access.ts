/**
 * Store access bits in plain words, and why a button is off. The wording follows
 * src-shared/store/bits.ts (ACCESS_DESCRIPTIONS); it is repeated here because the renderer does
 * not import the store model.
 */
import type { IpcAccessBit } from '../../../src-shared/ipc/contract.js';

export const ACCESS_ORDER: readonly IpcAccessBit[] = ['READ', 'WRITE', 'DELETE', 'EJECT'];

/** The checkbox labels (stable: the e2e test finds them by these names). */
export const ACCESS_LABELS: Readonly<Record<IpcAccessBit, string>> = {
  READ: 'Read',
  WRITE: 'Write',
  DELETE: 'Delete',
  EJECT: 'Take access away',
};

export const ACCESS_DESCRIPTIONS: Readonly<Record<IpcAccessBit, string>> = {
  READ: 'Read values and names',
  WRITE: 'Write values and create folders',
  DELETE: 'Delete values and folders',
  EJECT: 'Take access away from others and create isolated folders',
};

export function has(access: readonly IpcAccessBit[] | undefined, bit: IpcAccessBit): boolean {
  return access?.includes(bit) ?? false;
}

/** "Read, Write" — or "No access". */
export function accessWords(access: readonly IpcAccessBit[]): string {
  const words = ACCESS_ORDER.filter((bit) => access.includes(bit)).map((bit) => ACCESS_LABELS[bit]);
  return words.length === 0 ? 'No access' : words.join(', ');
}

/** The canonical order the contract expects (READ, WRITE, DELETE, EJECT). */
export function canonicalAccess(access: Iterable<IpcAccessBit>): IpcAccessBit[] {
  const set = new Set(access);
  return ACCESS_ORDER.filter((bit) => set.has(bit));
}

export const OFFLINE_REASON = 'Offline — changes are disabled until the server is back.';

/**
 * Why a write is not possible, or null when it is. Offline wins: it is the same for every
 * button and passes when the server is back.
 */
export function writeBlocked(
  offline: boolean,
  access: readonly IpcAccessBit[] | undefined,
  needed: readonly IpcAccessBit[],
  what: string,
): string | null {
  if (offline) return OFFLINE_REASON;
  const missing = needed.filter((bit) => !has(access, bit));
  if (missing.length === 0) return null;
  return `You cannot ${what} here: you need ${missing
    .map((bit) => ACCESS_LABELS[bit])
    .join(' and ')} access. Ask someone who can share it with you.`;
}

/** How a store path is shown ("" is the root folder). */
export function displayPath(path: string): string {
  return path === '' ? 'the root folder' : path;
}

/** The last segment of a path, or "Root" for the root. */
export function baseName(path: string): string {
  if (path === '') return 'Root';
  const at = path.lastIndexOf('/');
  return at < 0 ? path : path.slice(at + 1);
}

export function joinPath(parent: string, name: string): string {
  const clean = name.trim().replace(/^\/+|\/+$/g, '');
  return parent === '' ? clean : `${parent}/${clean}`;
}

/** The parent path ("" for a top-level path). */
export function parentPath(path: string): string {
  const at = path.lastIndexOf('/');
  return at < 0 ? '' : path.slice(0, at);
}
