/**
 * "New entry" and "Edit entry": a value and an expiry. Editing sends the version the user
 * edited, so a change someone else made meanwhile is not overwritten silently (STORE_CONFLICT:
 * we explain and offer to reload their version).
 */
import { useEffect, useId, useState, type FormEvent } from 'react';
import type { RevealedEntry, VaultEntry } from '../../../src-shared/ipc/contract.js';
import { Dialog } from '../../components/Dialog.js';
import { ErrorNotice } from '../../components/ErrorNotice.js';
import type { UiError } from '../../stores/errors.js';
import { useVaultStore } from '../../stores/vault-store.js';
import { displayPath, joinPath } from './access.js';
import { fromLocalInput, toLocalInput } from './format.js';
import './EntryDialog.css';

function ValueAndExpiry({
  value,
  onValue,
  expires,
  onExpires,
}: {
  value: string;
  onValue: (value: string) => void;
  expires: string;
  onExpires: (value: string) => void;
}) {
  const id = useId();
  return (
    <>
      <div className="field">
        <label htmlFor={`${id}-value`}>Value</label>
        <textarea
          id={`${id}-value`}
          className="value-input"
          rows={4}
          value={value}
          onChange={(e) => onValue(e.target.value)}
          spellCheck={false}
          autoComplete="off"
          autoCapitalize="off"
        />
      </div>
      <div className="field">
        <label htmlFor={`${id}-expires`}>Expires</label>
        <div className="expires-row">
          <input
            id={`${id}-expires`}
            type="datetime-local"
            value={expires}
            onChange={(e) => onExpires(e.target.value)}
            aria-describedby={`${id}-expires-hint`}
          />
          {expires && (
            <button type="button" className="ghost" onClick={() => onExpires('')}>
              Never expires
            </button>
          )}
        </div>
        <p className="hint" id={`${id}-expires-hint`}>
          Leave empty if it never expires. After this time the entry is marked expired.
        </p>
      </div>
    </>
  );
}

const invalidDate: UiError = {
  code: 'INVALID_ARGUMENT',
  message: 'The expiry is not a valid date and time. Correct it or leave it empty.',
};

export function NewEntryDialog({ namespace, onClose }: { namespace: string; onClose: () => void }) {
  const saveEntry = useVaultStore((s) => s.saveEntry);
  const busy = useVaultStore((s) => s.busy);
  const id = useId();
  const [name, setName] = useState('');
  const [value, setValue] = useState('');
  const [expires, setExpires] = useState('');
  const [error, setError] = useState<UiError | null>(null);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const expiresAt = fromLocalInput(expires);
    if (expiresAt === undefined) return setError(invalidDate);
    const result = await saveEntry({
      path: joinPath(namespace, name),
      value,
      expiresAt,
      create: true,
    });
    if (result.ok) onClose();
    else setError(result.error);
  };

  return (
    <Dialog title="New entry" onClose={onClose}>
      <form onSubmit={(e) => void submit(e)}>
        <div className="field">
          <label htmlFor={`${id}-name`}>Name</label>
          <div className="path-input">
            {namespace && (
              <span className="path-prefix" aria-hidden="true">
                {namespace}/
              </span>
            )}
            <input
              id={`${id}-name`}
              value={name}
              onChange={(e) => setName(e.target.value)}
              aria-describedby={`${id}-name-hint`}
              spellCheck={false}
              autoComplete="off"
              autoCapitalize="off"
            />
          </div>
          <p className="hint" id={`${id}-name-hint`}>
            In {displayPath(namespace)}. Use “/” to make a path, e.g. db/password.
          </p>
        </div>
        <ValueAndExpiry value={value} onValue={setValue} expires={expires} onExpires={setExpires} />
        <ErrorNotice error={error} />
        <div className="actions">
          <button type="button" className="ghost" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={busy || !name.trim()}>
            Save
          </button>
        </div>
      </form>
    </Dialog>
  );
}

export function EditEntryDialog({
  entry,
  shown,
  onClose,
}: {
  entry: VaultEntry;
  /** The value already revealed in the entry view, if it is. */
  shown: RevealedEntry | null;
  onClose: () => void;
}) {
  const saveEntry = useVaultStore((s) => s.saveEntry);
  const reveal = useVaultStore((s) => s.reveal);
  const busy = useVaultStore((s) => s.busy);
  // The value being edited lives here only while the dialog is open.
  const [base, setBase] = useState<RevealedEntry | null>(shown);
  const [value, setValue] = useState(shown?.value ?? '');
  const [expires, setExpires] = useState(toLocalInput(shown?.expiresAt ?? entry.expiresAt));
  const [error, setError] = useState<UiError | null>(null);
  const [conflict, setConflict] = useState(false);

  const load = async () => {
    const result = await reveal(entry.path);
    if (!result.ok) return setError(result.error);
    setBase(result.value);
    setValue(result.value.value);
    setExpires(toLocalInput(result.value.expiresAt));
    setError(null);
    setConflict(false);
  };

  useEffect(() => {
    // Only when the dialog opens: the value shown in the entry view, else the current one.
    if (!shown) void load();
  }, []);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!base) return;
    const expiresAt = fromLocalInput(expires);
    if (expiresAt === undefined) return setError(invalidDate);
    const result = await saveEntry({
      path: entry.path,
      value,
      expiresAt,
      expectVersion: base.version,
    });
    if (result.ok) return onClose();
    setConflict(result.error.code === 'STORE_CONFLICT');
    setError(result.error);
  };

  return (
    <Dialog title="Edit entry" onClose={onClose}>
      <p className="muted">
        <code>{entry.path}</code>
        {base && <> · version {base.version}</>}
      </p>
      {!base && !error && <p aria-live="polite">Opening the current value…</p>}
      <form onSubmit={(e) => void submit(e)}>
        {base && (
          <ValueAndExpiry
            value={value}
            onValue={setValue}
            expires={expires}
            onExpires={setExpires}
          />
        )}
        {conflict ? (
          <div className="notice notice-error" role="alert">
            <p>
              Someone else changed this entry while you were editing it, so your version was not
              saved. Reload to see their version (what you typed here is replaced), then make your
              change again.
            </p>
            <button type="button" onClick={() => void load()}>
              Reload
            </button>
          </div>
        ) : (
          <ErrorNotice error={error} />
        )}
        <div className="actions">
          <button type="button" className="ghost" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={busy || !base || conflict}>
            Save
          </button>
        </div>
      </form>
    </Dialog>
  );
}
