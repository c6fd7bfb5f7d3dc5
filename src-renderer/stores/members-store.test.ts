// @vitest-environment jsdom
import { beforeEach, describe, expect, it } from 'vitest';
import type { WorkspaceView } from '../../src-shared/ipc/contract.js';
import { FP, fakeIpc } from '../test/fake-ipc.js';
import { useMembersStore } from './members-store.js';

const view: WorkspaceView = {
  id: 'home',
  displayName: 'Home',
  created: '2026-01-01T00:00:00.000Z',
  fingerprint: FP,
  genesisHash: 'g',
  head: { seq: 0, hash: 'h' },
  namingKeyGeneration: 1,
  members: [],
  you: null,
  canManage: true,
  verifiedAt: '2026-01-01T00:00:00.000Z',
};

beforeEach(() => useMembersStore.getState().reset());

describe('members store', () => {
  it('previews an invitation, then imports it with the comparison confirmed', async () => {
    const ipc = fakeIpc();
    ipc.on('members.inspectInvitation', () => ({
      name: 'bob',
      fingerprint: FP,
      address: 'bb1b',
      nameTaken: false,
    }));
    ipc.on('members.import', () => ({}));
    ipc.on('members.workspace', () => view);
    expect(await useMembersStore.getState().inspect('  bbinvite1.abc \n')).toBe(true);
    expect(useMembersStore.getState().preview).toMatchObject({
      name: 'bob',
      payload: 'bbinvite1.abc',
    });
    expect(await useMembersStore.getState().importMember(['STORE_USE'])).toBe(true);
    expect(ipc.calls.find((c) => c.channel === 'members.import')?.request).toEqual({
      payload: 'bbinvite1.abc',
      permissions: ['STORE_USE'],
      fingerprintConfirmed: true,
    });
    expect(useMembersStore.getState().preview).toBeNull();
    expect(useMembersStore.getState().workspace).toEqual(view);
  });

  it('keeps the error of a refused invitation', async () => {
    const ipc = fakeIpc();
    ipc.fail(
      'members.inspectInvitation',
      'INVITATION_BAD_SIGNATURE',
      'The invitation is not signed.',
    );
    expect(await useMembersStore.getState().inspect('bbinvite1.x')).toBe(false);
    expect(useMembersStore.getState().error?.code).toBe('INVITATION_BAD_SIGNATURE');
  });
});
