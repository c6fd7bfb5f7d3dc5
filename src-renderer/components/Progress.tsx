/**
 * Progress of a slow operation in the core (Argon2id). The core sends an estimate; this bar
 * moves on its own between events, so it keeps moving even while the core is busy.
 */
import { useEffect, useState } from 'react';
import { useSessionStore } from '../stores/session-store.js';
import './Progress.css';

export function OperationProgress({ fallbackLabel }: { fallbackLabel?: string }) {
  const progress = useSessionStore((s) => s.progress);
  const busy = useSessionStore((s) => s.busy);
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!progress && !busy) return;
    const timer = setInterval(() => setNow(Date.now()), 100);
    return () => clearInterval(timer);
  }, [progress, busy]);
  if (!progress && !busy) return null;
  let percent: number | undefined;
  if (progress) {
    const elapsed = progress.elapsedMs + Math.max(0, now - progress.receivedAt);
    percent = Math.min(95, Math.round((elapsed / Math.max(1, progress.estimatedMs)) * 100));
  }
  const label = progress?.label ?? fallbackLabel ?? 'Working…';
  return (
    <div className="progress" data-testid="operation-progress">
      <p aria-live="polite">{label}</p>
      <div
        className={`progress-bar${percent === undefined ? ' indeterminate' : ''}`}
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={percent}
      >
        <span style={percent === undefined ? undefined : { width: `${percent}%` }} />
      </div>
    </div>
  );
}
