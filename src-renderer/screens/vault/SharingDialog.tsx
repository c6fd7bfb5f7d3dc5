/**
 * Sharing a folder or an entry: who can do what here, the shares (grants) that say so, giving a
 * member access, and taking it away — after which we say plainly what the person can no longer
 * do and what they can still see (revocation cannot make anyone forget).
 */
import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import type {
  GrantView,
  IpcAccessBit,
  RevokeResponse,
  SharingView,
} from '../../../src-shared/ipc/contract.js';
import { Dialog } from '../../components/Dialog.js';
import { ErrorNotice } from '../../components/ErrorNotice.js';
import type { UiError } from '../../stores/errors.js';
import { useVaultStore } from '../../stores/vault-store.js';
import {
  ACCESS_DESCRIPTIONS,
  ACCESS_LABELS,
  ACCESS_ORDER,
  OFFLINE_REASON,
  accessWords,
  canonicalAccess,
  displayPath,
  has,
} from './access.js';
import './SharingDialog.css';

export interface SharingTarget {
  path: string;
  kind: 'namespace' | 'entry';
}

export function sharingTitle(target: SharingTarget): string {
  return `Share ${displayPath(target.path)}`;
}

function groupByGrantee(grants: GrantView[]): Array<[string, GrantView[]]> {
  const groups = new Map<string, GrantView[]>();
  for (const grant of grants) {
    const list = groups.get(grant.grantee) ?? [];
    list.push(grant);
    groups.set(grant.grantee, list);
  }
  return [...groups];
}

function AccessChoice({
  value,
  onChange,
  held,
}: {
  value: Set<IpcAccessBit>;
  onChange: (next: Set<IpcAccessBit>) => void;
  held: readonly IpcAccessBit[];
}) {
  const id = useId();
  return (
    <fieldset className="access-choice">
      <legend>Access</legend>
      {ACCESS_ORDER.map((bit) => {
        const holds = held.includes(bit);
        return (
          <div key={bit} className="check">
            <input
              id={`${id}-${bit}`}
              type="checkbox"
              checked={value.has(bit)}
              disabled={!holds}
              aria-describedby={`${id}-${bit}-d`}
              onChange={(e) => {
                const next = new Set(value);
                if (e.target.checked) next.add(bit);
                else next.delete(bit);
                onChange(next);
              }}
            />
            <span>
              <label htmlFor={`${id}-${bit}`}>{ACCESS_LABELS[bit]}</label>{' '}
              <span id={`${id}-${bit}-d`} className="muted">
                — {ACCESS_DESCRIPTIONS[bit]}
                {bit === 'READ' && ' (required)'}
                {!holds && '. You do not have it here, so you cannot give it.'}
              </span>
            </span>
          </div>
        );
      })}
    </fieldset>
  );
}

function RevokeResult({ grantee, result }: { grantee: string; result: RevokeResponse }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);
  return (
    <section className="revoke-result" role="status" data-testid="revoke-result">
      <h3 ref={heading} tabIndex={-1}>
        Access taken away from {grantee}
      </h3>
      {result.cannot.length > 0 && (
        <>
          <p className="revoke-label">What {grantee} can no longer do</p>
          <ul>
            {result.cannot.map((line) => (
              <li key={line}>{line}</li>
            ))}
          </ul>
        </>
      )}
      {result.canStill.length > 0 && (
        <>
          <p className="revoke-label">What {grantee} can still see</p>
          <ul>
            {result.canStill.map((line) => (
              <li key={line}>{line}</li>
            ))}
          </ul>
        </>
      )}
      <p className="small">
        Revoking cannot make anyone forget what they already read. If a secret matters, change it
        now (for example, rotate the password).
      </p>
    </section>
  );
}

/** The confirmation step (inside the same dialog; the focus moves to its question). */
function ConfirmRevoke({
  grantee,
  target,
  busy,
  onCancel,
  onConfirm,
}: {
  grantee: string;
  target: SharingTarget;
  busy: boolean;
  onCancel: () => void;
  onConfirm: () => void;
}) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);
  return (
    <>
      <h3 ref={heading} tabIndex={-1}>
        Take access away from {grantee}?
      </h3>
      <p>
        Backbone makes new keys for {displayPath(target.path)}
        {target.kind === 'namespace' && ' and the folders inside it that inherit from it'} and gives
        them to everyone who keeps access. {grantee} cannot read anything written from now on.
      </p>
      <p className="muted">
        {grantee} keeps what they have already seen. Values they wrote stay, signed again by you.
      </p>
      <div className="actions">
        <button type="button" className="ghost" onClick={onCancel}>
          Cancel
        </button>
        <button type="button" className="primary danger" disabled={busy} onClick={onConfirm}>
          Revoke {grantee}
        </button>
      </div>
    </>
  );
}

export function SharingDialog({
  target,
  offline,
  onClose,
}: {
  target: SharingTarget;
  offline: boolean;
  onClose: () => void;
}) {
  const { sharing, grant, revoke, busy } = useVaultStore();
  const id = useId();
  const [view, setView] = useState<SharingView | null>(null);
  const [error, setError] = useState<UiError | null>(null);
  const [member, setMember] = useState('');
  const [bits, setBits] = useState<Set<IpcAccessBit>>(new Set(['READ']));
  const [confirming, setConfirming] = useState<string | null>(null);
  const [revoked, setRevoked] = useState<{ grantee: string; result: RevokeResponse } | null>(null);
  const [granted, setGranted] = useState<string | null>(null);

  useEffect(() => {
    void sharing(target).then((result) =>
      result.ok ? setView(result.value) : setError(result.error),
    );
    // Once per dialog: the target does not change while it is open.
  }, []);

  const submitGrant = async (event: FormEvent) => {
    event.preventDefault();
    const access = canonicalAccess(bits);
    const result = await grant({ ...target, grantee: member, access });
    if (!result.ok) return setError(result.error);
    setView(result.value);
    setError(null);
    setRevoked(null);
    setGranted(`${member} can now: ${accessWords(access)}.`);
    setMember('');
    setBits(new Set(['READ']));
  };

  const confirmRevoke = async (grantee: string) => {
    const result = await revoke({ ...target, grantee });
    setConfirming(null);
    if (!result.ok) return setError(result.error);
    setView(result.value.sharing);
    setError(null);
    setGranted(null);
    setRevoked({ grantee, result: result.value });
  };

  const title = sharingTitle(target);
  const yourAccess = view?.yourAccess ?? [];
  const revokeBlocked = offline
    ? OFFLINE_REASON
    : has(yourAccess, 'EJECT')
      ? null
      : 'To take access away you need Take access away here.';
  const grantBlocked = offline
    ? OFFLINE_REASON
    : has(yourAccess, 'READ')
      ? null
      : 'You can only share what you can read yourself.';
  const others = view?.members.filter((m) => !m.you) ?? [];

  if (confirming) {
    return (
      <Dialog title={title} onClose={() => setConfirming(null)}>
        <ConfirmRevoke
          grantee={confirming}
          target={target}
          busy={busy}
          onCancel={() => setConfirming(null)}
          onConfirm={() => void confirmRevoke(confirming)}
        />
      </Dialog>
    );
  }

  return (
    <Dialog title={title} onClose={onClose}>
      <p className="muted">
        {target.kind === 'namespace'
          ? 'Access to a folder includes everything inside it, except isolated folders.'
          : 'Access to this entry only.'}
      </p>
      {revoked && <RevokeResult grantee={revoked.grantee} result={revoked.result} />}
      {granted && (
        <p className="notice-ok" role="status">
          {granted}
        </p>
      )}
      <ErrorNotice error={error} onDismiss={() => setError(null)} />
      {!view && !error && <p aria-live="polite">Reading the shares…</p>}
      {view && (
        <>
          <h3>Who can do what here</h3>
          <table className="log sharing-members">
            <thead>
              <tr>
                <th scope="col">Member</th>
                <th scope="col">Can</th>
              </tr>
            </thead>
            <tbody>
              {view.members.map((m) => (
                <tr key={m.name} data-testid={`access-${m.name}`}>
                  <td>
                    {m.name}
                    {m.you && <span className="pill">you</span>}
                  </td>
                  <td>{accessWords(m.access)}</td>
                </tr>
              ))}
            </tbody>
          </table>

          <h3>Shares</h3>
          {view.grants.length === 0 ? (
            <p className="muted">
              Nothing is shared here directly
              {target.kind === 'namespace' ? '; access may come from a folder above.' : '.'}
            </p>
          ) : (
            <ul className="plain grants">
              {groupByGrantee(view.grants).map(([grantee, grants]) => (
                <li key={grantee} className="grant" data-testid={`grant-${grantee}`}>
                  <div>
                    <strong>{grantee}</strong>
                    {grants.map((g, i) => (
                      <p key={i} className={g.valid ? 'small' : 'small grant-invalid'}>
                        {accessWords(g.access)} · given by {g.granter}
                        {!g.valid && ` — does not count: ${g.problem ?? 'no longer valid'}`}
                      </p>
                    ))}
                  </div>
                  <button
                    type="button"
                    className="ghost danger"
                    disabled={busy || revokeBlocked !== null}
                    title={revokeBlocked ?? `Take ${grantee}’s access away`}
                    onClick={() => {
                      setRevoked(null);
                      setConfirming(grantee);
                    }}
                  >
                    Revoke {grantee}
                  </button>
                </li>
              ))}
            </ul>
          )}
          {revokeBlocked && view.grants.length > 0 && <p className="hint">{revokeBlocked}</p>}

          <h3>Share with a member</h3>
          <form onSubmit={(e) => void submitGrant(e)}>
            <div className="field">
              <label htmlFor={`${id}-member`}>Member</label>
              <select
                id={`${id}-member`}
                value={member}
                onChange={(e) => setMember(e.target.value)}
                disabled={grantBlocked !== null}
              >
                <option value="">Choose a member…</option>
                {others.map((m) => (
                  <option key={m.name} value={m.name}>
                    {m.name}
                  </option>
                ))}
              </select>
            </div>
            <AccessChoice value={bits} onChange={setBits} held={yourAccess} />
            {!bits.has('READ') && (
              <p className="hint">Read is required: the other rights are of no use without it.</p>
            )}
            {grantBlocked && <p className="hint">{grantBlocked}</p>}
            <div className="actions">
              <button type="button" className="ghost" onClick={onClose}>
                Close
              </button>
              <button
                type="submit"
                className="primary"
                disabled={busy || grantBlocked !== null || !member || !bits.has('READ')}
              >
                Grant
              </button>
            </div>
          </form>
        </>
      )}
      {!view && (
        <div className="actions">
          <button type="button" className="ghost" onClick={onClose}>
            Close
          </button>
        </div>
      )}
    </Dialog>
  );
}
