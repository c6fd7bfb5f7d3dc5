/** Test data for the store browser: snapshots, entries, folders, sharing views (contract-valid). */
import type {
  IpcAccessBit,
  SharingView,
  VaultEntry,
  VaultNamespace,
  VaultSnapshot,
} from '../../src-shared/ipc/contract.js';
import { vaultSnapshotSchema } from '../../src-shared/ipc/contract.js';
import type { FakeIpc } from './fake-ipc.js';

export const ALL: IpcAccessBit[] = ['READ', 'WRITE', 'DELETE', 'EJECT'];

export function folder(path: string, overrides: Partial<VaultNamespace> = {}): VaultNamespace {
  return { path, isolated: false, access: ALL, ...overrides };
}

export function entry(path: string, overrides: Partial<VaultEntry> = {}): VaultEntry {
  const at = path.lastIndexOf('/');
  return {
    path,
    namespace: at < 0 ? '' : path.slice(0, at),
    version: 1,
    writer: 'ada',
    expiresAt: null,
    expired: false,
    access: ALL,
    ...overrides,
  };
}

export function snapshot(overrides: Partial<VaultSnapshot> = {}): VaultSnapshot {
  // Parsed, so a fixture that breaks the contract fails the test instead of passing silently.
  return vaultSnapshotSchema.parse({
    workspaceId: 'home',
    displayName: 'Home',
    you: 'ada',
    hasStore: true,
    canCreateStore: true,
    namespaces: [folder(''), folder('team'), folder('team/db')],
    entries: [
      entry('readme'),
      entry('team/api-key', { writer: 'bob', version: 3 }),
      entry('team/db/password'),
      entry('team/db/replica-password', { expired: true, expiresAt: '2026-01-01T00:00:00.000Z' }),
    ],
    source: 'server',
    fetchedAt: '2026-03-01T10:00:00.000Z',
    offlineReason: null,
    ...overrides,
  });
}

export function sharingView(overrides: Partial<SharingView> = {}): SharingView {
  return {
    path: 'team',
    kind: 'namespace',
    grants: [
      { grantee: 'bob', granter: 'ada', access: ['READ', 'WRITE'], valid: true, problem: null },
    ],
    members: [
      { name: 'ada', you: true, access: ALL },
      { name: 'bob', you: false, access: ['READ', 'WRITE'] },
      { name: 'cy', you: false, access: [] },
    ],
    yourAccess: ALL,
    ...overrides,
  };
}

export const HOME_FINGERPRINT =
  '11111 22222 33333 44444 55555 66666 77777 88888 99999 00000 12345 67890';
export const WORK_FINGERPRINT =
  '24680 13579 11223 34455 66778 89900 10101 20202 30303 40404 50505 60606';

/** Answers the calls the store browser makes when it opens. */
export function vaultIpc(ipc: FakeIpc, snap: VaultSnapshot = snapshot()): FakeIpc {
  ipc.on('vault.snapshot', () => snap);
  ipc.on('vault.connection', () => ({
    online: snap.source === 'server',
    reason: snap.offlineReason,
    since: '2026-03-01T10:00:00.000Z',
  }));
  ipc.on('vault.workspaces', () => ({
    workspaces: [
      {
        id: snap.workspaceId,
        displayName: snap.displayName,
        current: true,
        fingerprint: HOME_FINGERPRINT,
        verifiedHere: true,
      },
      {
        id: 'work',
        displayName: 'Work',
        current: false,
        fingerprint: WORK_FINGERPRINT,
        verifiedHere: false,
      },
    ],
  }));
  return ipc;
}

export function callsTo(ipc: FakeIpc, channel: string): unknown[] {
  return ipc.calls.filter((c) => c.channel === channel).map((c) => c.request);
}
