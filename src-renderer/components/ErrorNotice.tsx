/** An error from the core: what happened and what to do (the core's messages say both). */
import type { UiError } from '../stores/errors.js';
import { VERIFICATION_CODES } from '../stores/errors.js';

export function ErrorNotice({
  error,
  onDismiss,
}: {
  error: UiError | null;
  onDismiss?: () => void;
}) {
  if (!error) return null;
  const loud = VERIFICATION_CODES.has(error.code);
  return (
    <div className={`notice ${loud ? 'notice-danger' : 'notice-error'}`} role="alert">
      <p>
        {loud && <strong>Verification failed. </strong>}
        {error.message}
      </p>
      {onDismiss && (
        <button type="button" className="ghost" onClick={onDismiss}>
          Dismiss
        </button>
      )}
    </div>
  );
}
