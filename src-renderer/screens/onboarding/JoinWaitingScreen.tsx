/**
 * Waiting to be added: the invitation (text and QR code, both public) to hand to an
 * administrator, and the safety number to read to them. Moves on by itself when the core sees
 * that the administrator added this identity.
 */
import { useState } from 'react';
import type { JoinRequest } from '../../../src-shared/ipc/contract.js';
import { ErrorNotice } from '../../components/ErrorNotice.js';
import { Fingerprint } from '../../components/Fingerprint.js';
import { useSessionStore } from '../../stores/session-store.js';
import './JoinWaitingScreen.css';

export function JoinWaitingScreen({ join }: { join: JoinRequest }) {
  const { run, busy, error, clearError } = useSessionStore();
  const [copied, setCopied] = useState(false);
  return (
    <main className="screen" aria-labelledby="join-title">
      <h1 id="join-title">Ask an administrator to add you</h1>
      <p className="lede">
        Send this invitation to an administrator of the workspace
        {join.workspaceId ? ` “${join.workspaceId}”` : ''} — paste it in a message, or let them scan
        the code. Then read them your safety number on a call or in person, so they know the
        invitation really comes from you.
      </p>
      <div className="join-grid">
        <section className="panel" aria-labelledby="invite-title">
          <h2 id="invite-title">Your invitation as “{join.username}”</h2>
          <textarea
            className="invitation"
            readOnly
            value={join.invitation}
            aria-label="Invitation text"
            data-testid="invitation-text"
            rows={5}
            onFocus={(e) => e.target.select()}
          />
          <button
            type="button"
            onClick={() => {
              void navigator.clipboard?.writeText(join.invitation).then(() => setCopied(true));
            }}
          >
            {copied ? 'Copied' : 'Copy invitation'}
          </button>
        </section>
        <section className="panel qr" aria-labelledby="qr-title">
          <h2 id="qr-title">Or scan</h2>
          <img src={join.qrDataUrl} alt="QR code of your invitation" width={220} height={220} />
        </section>
      </div>
      <section className="panel" aria-labelledby="sn-title">
        <h2 id="sn-title">Your safety number</h2>
        <Fingerprint value={join.fingerprint} label="Your safety number" />
      </section>
      <p className="waiting" role="status" aria-live="polite">
        <span className="spinner" aria-hidden="true" /> Waiting for an administrator to add you…
        This page moves on by itself.
      </p>
      <ErrorNotice error={error} onDismiss={clearError} />
      <div className="actions">
        <button
          type="button"
          className="ghost"
          disabled={busy}
          onClick={() => void run('onboarding.cancelJoin', {})}
        >
          Cancel
        </button>
      </div>
    </main>
  );
}
