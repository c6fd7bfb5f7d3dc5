/** The membership log, every entry verified by the core (signatures, chain, rules, pinned head). */
import { useEffect } from 'react';
import { ErrorNotice } from '../components/ErrorNotice.js';
import { Fingerprint } from '../components/Fingerprint.js';
import { useMembersStore } from '../stores/members-store.js';
import './MembershipLogScreen.css';

export function MembershipLogScreen() {
  const { log, loading, error, loadLog, clearError } = useMembersStore();
  useEffect(() => {
    void loadLog();
  }, [loadLog]);
  return (
    <main className="screen wide" aria-labelledby="log-title">
      <h1 id="log-title">Membership log</h1>
      <p className="lede">
        Every change to the member list is an entry signed by an administrator and chained to the
        one before. Backbone checks all of it and refuses a log that was forked or rolled back.
      </p>
      <ErrorNotice error={error} onDismiss={clearError} />
      {loading && !log && <p aria-live="polite">Verifying…</p>}
      {log && (
        <>
          <div className="verified-badge" role="status" data-testid="log-verified">
            <span aria-hidden="true">✓</span> Verified: {log.entries.length}{' '}
            {log.entries.length === 1 ? 'entry' : 'entries'}, head #{log.head.seq}{' '}
            <code title={log.head.hash}>{log.head.hash.slice(0, 12)}…</code> · checked{' '}
            {new Date(log.verifiedAt).toLocaleTimeString()}
          </div>
          <section className="panel" aria-labelledby="log-fp">
            <h2 id="log-fp">Fingerprint of {log.displayName}</h2>
            <Fingerprint value={log.fingerprint} label="Workspace fingerprint" />
          </section>
          <table className="log">
            <caption className="visually-hidden">Entries of the membership log</caption>
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">Change</th>
                <th scope="col">Signed by</th>
                <th scope="col">Hash</th>
              </tr>
            </thead>
            <tbody>
              {log.entries.map((entry) => (
                <tr key={entry.seq}>
                  <td>{entry.seq}</td>
                  <td>{entry.summary}</td>
                  <td>{entry.author}</td>
                  <td>
                    <code title={entry.hash}>{entry.hash.slice(0, 10)}…</code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <div className="actions start">
            <button type="button" onClick={() => void loadLog()}>
              Verify again
            </button>
          </div>
        </>
      )}
    </main>
  );
}
