/**
 * Short-lived messages at the bottom: the clipboard countdown, the undo offer after a delete,
 * confirmations. Screen readers hear each once (a polite live region), not every tick.
 */
import { useEffect, useState } from 'react';
import { useClipboardStore } from '../../stores/clipboard-countdown.js';
import { useVaultStore } from '../../stores/vault-store.js';
import { secondsLeft, useNow } from './format.js';
import './VaultToasts.css';

const NOTICE_MS = 5000;

export function VaultToasts() {
  const countdown = useClipboardStore((s) => s.countdown);
  const undo = useVaultStore((s) => s.undo);
  const notice = useVaultStore((s) => s.notice);
  const undoDelete = useVaultStore((s) => s.undoDelete);
  const dismissNotice = useVaultStore((s) => s.dismissNotice);
  const now = useNow(countdown !== null || undo !== null);
  const [announcement, setAnnouncement] = useState('');

  useEffect(() => {
    if (!notice) return;
    setAnnouncement(notice.text);
    const timer = setTimeout(dismissNotice, NOTICE_MS);
    return () => clearTimeout(timer);
  }, [notice, dismissNotice]);

  useEffect(() => {
    if (countdown) {
      const seconds = secondsLeft(countdown.clearsAt, Date.now());
      setAnnouncement(`Copied. The clipboard is cleared in ${seconds} seconds.`);
    }
  }, [countdown]);

  useEffect(() => {
    if (undo) {
      const seconds = secondsLeft(undo.expiresAt, Date.now());
      setAnnouncement(`Deleted ${undo.path}. You can undo this for ${seconds} seconds.`);
    }
  }, [undo]);

  return (
    <>
      <div className="visually-hidden" role="status" aria-live="polite" aria-atomic="true">
        {announcement}
      </div>
      <div className="toasts">
        {countdown && (
          <div className="toast" data-testid="copy-toast">
            Copied — clears in {secondsLeft(countdown.clearsAt, now)} s
          </div>
        )}
        {undo && (
          <div className="toast" data-testid="undo-toast">
            <span>Deleted {undo.path}</span>
            <button type="button" className="primary" onClick={() => void undoDelete()}>
              Undo
            </button>
            <span className="muted" aria-hidden="true">
              {secondsLeft(undo.expiresAt, now)} s
            </span>
          </div>
        )}
        {notice && (
          <div className="toast" data-testid="notice-toast">
            {notice.text}
          </div>
        )}
      </div>
    </>
  );
}
