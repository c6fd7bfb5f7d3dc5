/** The verified workspace as the renderer sees it (public facts only). */
import type { WorkspaceView } from '../../../src-shared/ipc/contract.js';
import type { MemberView, VerifiedWorkspace } from '../../../src-shared/sdk/workspaces.js';

export function memberInfo(member: MemberView, you: MemberView | undefined) {
  return {
    name: member.name,
    address: member.address,
    safetyNumber: member.safetyNumber,
    permissions: [...member.permissions],
    addedAt: member.addedAt,
    you: you !== undefined && you.address === member.address,
  };
}

export function toWorkspaceView(ws: VerifiedWorkspace): WorkspaceView {
  const you = ws.you;
  return {
    id: ws.id,
    displayName: ws.displayName,
    created: ws.created,
    fingerprint: ws.fingerprint,
    genesisHash: ws.genesisHash,
    head: { ...ws.head },
    namingKeyGeneration: ws.namingKey.generation,
    members: ws.members.map((m) => memberInfo(m, you)),
    you: you ? memberInfo(you, you) : null,
    canManage:
      you !== undefined &&
      (you.permissions.includes('ROOT') || you.permissions.includes('USER_MANAGE')),
    verifiedAt: new Date().toISOString(),
  };
}
