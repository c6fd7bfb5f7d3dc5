/**
 * The loud warning when the server served a membership log that does not verify (fork,
 * rollback, bad signature, changed server key). It stays until the user says they read it.
 */
import type { VerificationStatus } from '../../src-shared/ipc/contract.js';
import './VerificationBanner.css';

export function VerificationBanner({
  verification,
  onDismiss,
}: {
  verification: VerificationStatus;
  onDismiss: () => void;
}) {
  if (verification.ok) return null;
  return (
    <div className="verification-alarm" role="alert" data-testid="verification-alarm">
      <h2>Do not trust this workspace right now</h2>
      <p>
        The server sent a membership log that Backbone could not verify (
        <code>{verification.code}</code>): {verification.message}
      </p>
      <p>
        Nothing from that answer was used. Someone may be tampering with the server. Tell your
        administrator, compare the workspace fingerprint with them, and do not add or share anything
        until it is resolved.
      </p>
      <button type="button" onClick={onDismiss}>
        I have read this
      </button>
    </div>
  );
}
