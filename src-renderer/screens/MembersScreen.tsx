/**
 * Members of the workspace, from its verified membership log: names, permissions and safety
 * numbers. Administrators (ROOT / USER_MANAGE) add members from an invitation after comparing
 * its safety number with the invitee, change permissions, and remove members (the naming key
 * is rotated by the same change).
 */
import { useEffect, useState } from 'react';
import type { IpcPermission, MemberInfo } from '../../src-shared/ipc/contract.js';
import { Dialog } from '../components/Dialog.js';
import { ErrorNotice } from '../components/ErrorNotice.js';
import { Fingerprint } from '../components/Fingerprint.js';
import { PermissionPicker, permissionLabel } from '../components/PermissionPicker.js';
import { QrImageImport } from '../components/QrImageImport.js';
import { useMembersStore } from '../stores/members-store.js';
import './MembersScreen.css';

function AddMember() {
  const { preview, inspect, clearPreview, importMember, busy, error } = useMembersStore();
  const [payload, setPayload] = useState('');
  const [compared, setCompared] = useState(false);
  const [permissions, setPermissions] = useState<IpcPermission[]>(['STORE_USE']);
  if (preview) {
    return (
      <Dialog title={`Add ${preview.name}?`} onClose={clearPreview}>
        <p>
          Ask <strong>{preview.name}</strong> to read you their safety number — on a call or in
          person, not in the same message as the invitation — and compare it with this one:
        </p>
        <Fingerprint value={preview.fingerprint} label={`Safety number of ${preview.name}`} />
        {preview.nameTaken && (
          <p className="notice notice-error" role="alert">
            A member is already called “{preview.name}”. Ask them to make an invitation with another
            name.
          </p>
        )}
        <label className="check">
          <input
            type="checkbox"
            checked={compared}
            onChange={(e) => setCompared(e.target.checked)}
          />
          <span>I compared the safety number with {preview.name} and every digit matches.</span>
        </label>
        <PermissionPicker value={permissions} onChange={setPermissions} legend="Permissions" />
        <ErrorNotice error={error} />
        <div className="actions">
          <button type="button" className="ghost" onClick={clearPreview}>
            Cancel
          </button>
          <button
            type="button"
            className="primary"
            disabled={!compared || busy || preview.nameTaken}
            onClick={() =>
              void importMember(permissions).then((ok) => {
                if (ok) {
                  setPayload('');
                  setCompared(false);
                }
              })
            }
          >
            Add {preview.name}
          </button>
        </div>
      </Dialog>
    );
  }
  return (
    <section className="panel" aria-labelledby="add-title">
      <h2 id="add-title">Add a member</h2>
      <p className="muted">
        The new member makes an invitation in their Backbone (Join a workspace) and sends it to you.
      </p>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          if (payload.trim()) void inspect(payload);
        }}
      >
        <div className="field">
          <label htmlFor="invitation-input">Invitation</label>
          <textarea
            id="invitation-input"
            value={payload}
            onChange={(e) => setPayload(e.target.value)}
            rows={3}
            placeholder="bbinvite1.…"
            spellCheck={false}
          />
        </div>
        <div className="actions start">
          <QrImageImport onText={(text) => setPayload(text)} />
          <button type="submit" className="primary" disabled={busy || !payload.trim()}>
            Check invitation
          </button>
        </div>
      </form>
    </section>
  );
}

function MemberRow({ member, canManage }: { member: MemberInfo; canManage: boolean }) {
  const { setPermissions, remove, busy } = useMembersStore();
  const [editing, setEditing] = useState(false);
  const [removing, setRemoving] = useState(false);
  const [draft, setDraft] = useState<IpcPermission[]>(member.permissions);
  return (
    <li className="member" data-testid={`member-${member.name}`}>
      <div className="member-head">
        <span className="member-name">
          {member.name}
          {member.you && <span className="pill">you</span>}
        </span>
        <span className="member-perms">
          {member.permissions.length === 0
            ? 'No permissions'
            : member.permissions.map(permissionLabel).join(' · ')}
        </span>
        {canManage && !member.you && (
          <span className="member-actions">
            <button type="button" className="ghost" onClick={() => setEditing(true)}>
              Permissions
            </button>
            <button type="button" className="ghost danger" onClick={() => setRemoving(true)}>
              Remove
            </button>
          </span>
        )}
      </div>
      <details>
        <summary>Safety number</summary>
        <Fingerprint value={member.safetyNumber} label={`Safety number of ${member.name}`} />
        <p className="muted small">
          Identity <code>{member.address}</code> · added by log entry #{member.addedAt}
        </p>
      </details>
      {editing && (
        <Dialog title={`Permissions of ${member.name}`} onClose={() => setEditing(false)}>
          <PermissionPicker value={draft} onChange={setDraft} legend="Permissions" />
          <div className="actions">
            <button type="button" className="ghost" onClick={() => setEditing(false)}>
              Cancel
            </button>
            <button
              type="button"
              className="primary"
              disabled={busy}
              onClick={() =>
                void setPermissions(member.name, draft).then((ok) => ok && setEditing(false))
              }
            >
              Save
            </button>
          </div>
        </Dialog>
      )}
      {removing && (
        <Dialog title={`Remove ${member.name}?`} onClose={() => setRemoving(false)}>
          <p>
            {member.name} loses access to the workspace. Backbone also rotates the workspace’s
            naming key so that they cannot read new names.
          </p>
          <div className="actions">
            <button type="button" className="ghost" onClick={() => setRemoving(false)}>
              Cancel
            </button>
            <button
              type="button"
              className="primary danger"
              disabled={busy}
              onClick={() => void remove(member.name).then((ok) => ok && setRemoving(false))}
            >
              Remove {member.name}
            </button>
          </div>
        </Dialog>
      )}
    </li>
  );
}

export function MembersScreen() {
  const { workspace, loading, error, load, clearError } = useMembersStore();
  useEffect(() => {
    void load();
  }, [load]);
  return (
    <main className="screen wide" aria-labelledby="members-title">
      <h1 id="members-title">Members</h1>
      {workspace && (
        <p className="lede">
          {workspace.displayName} · {workspace.members.length}{' '}
          {workspace.members.length === 1 ? 'member' : 'members'} · verified from the signed
          membership log
        </p>
      )}
      <ErrorNotice error={error} onDismiss={clearError} />
      {loading && !workspace && <p aria-live="polite">Verifying the membership log…</p>}
      {workspace && (
        <>
          {workspace.canManage && <AddMember />}
          <ul className="members plain" aria-label="Members">
            {workspace.members.map((member) => (
              <MemberRow key={member.name} member={member} canManage={workspace.canManage} />
            ))}
          </ul>
          <section className="panel" aria-labelledby="ws-fp-title">
            <h2 id="ws-fp-title">Workspace fingerprint</h2>
            <p className="muted">
              Give this to people who join, so their Backbone can check it is this workspace.
            </p>
            <Fingerprint value={workspace.fingerprint} label="Workspace fingerprint" />
          </section>
        </>
      )}
    </main>
  );
}
