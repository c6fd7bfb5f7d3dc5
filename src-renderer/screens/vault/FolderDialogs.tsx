/** "New folder" (optionally isolated) and deleting a folder (its contents move up). */
import { useId, useState, type FormEvent } from 'react';
import type { VaultNamespace } from '../../../src-shared/ipc/contract.js';
import { Dialog } from '../../components/Dialog.js';
import { ErrorNotice } from '../../components/ErrorNotice.js';
import type { UiError } from '../../stores/errors.js';
import { useVaultStore } from '../../stores/vault-store.js';
import { displayPath, has, joinPath, parentPath } from './access.js';

export const ISOLATED_EXPLANATION =
  'An isolated folder does not inherit access from the folders above it: only people its owner shares it with can read inside, administrators included.';

export function NewFolderDialog({
  parent,
  onClose,
}: {
  parent: VaultNamespace;
  onClose: () => void;
}) {
  const createNamespace = useVaultStore((s) => s.createNamespace);
  const busy = useVaultStore((s) => s.busy);
  const id = useId();
  const [name, setName] = useState('');
  const [isolated, setIsolated] = useState(false);
  const [error, setError] = useState<UiError | null>(null);
  const canIsolate = ['READ', 'WRITE', 'EJECT'].every((bit) =>
    has(parent.access, bit as 'READ' | 'WRITE' | 'EJECT'),
  );

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const result = await createNamespace(joinPath(parent.path, name), isolated && canIsolate);
    if (result.ok) onClose();
    else setError(result.error);
  };

  return (
    <Dialog title="New folder" onClose={onClose}>
      <form onSubmit={(e) => void submit(e)}>
        <div className="field">
          <label htmlFor={`${id}-name`}>Name</label>
          <div className="path-input">
            {parent.path && (
              <span className="path-prefix" aria-hidden="true">
                {parent.path}/
              </span>
            )}
            <input
              id={`${id}-name`}
              value={name}
              onChange={(e) => setName(e.target.value)}
              aria-describedby={`${id}-name-hint`}
              spellCheck={false}
              autoComplete="off"
            />
          </div>
          <p className="hint" id={`${id}-name-hint`}>
            In {displayPath(parent.path)}. Entries already below this name move into the new folder.
          </p>
        </div>
        <label className="check">
          <input
            type="checkbox"
            checked={isolated && canIsolate}
            disabled={!canIsolate}
            onChange={(e) => setIsolated(e.target.checked)}
            aria-describedby={`${id}-isolated-hint`}
          />
          <span>Isolated: only you get its key; others need you to share it</span>
        </label>
        <p className="hint" id={`${id}-isolated-hint`}>
          {ISOLATED_EXPLANATION}{' '}
          {canIsolate
            ? 'It must be new: nothing may exist below its name yet.'
            : `Creating one needs Take access away (and Read, Write) on ${displayPath(parent.path)}.`}
        </p>
        <ErrorNotice error={error} />
        <div className="actions">
          <button type="button" className="ghost" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={busy || !name.trim()}>
            Create folder
          </button>
        </div>
      </form>
    </Dialog>
  );
}

export function DeleteFolderDialog({
  folder,
  entryCount,
  onClose,
}: {
  folder: VaultNamespace;
  /** Entries directly in it (what the user sees in the list). */
  entryCount: number;
  onClose: () => void;
}) {
  const deleteNamespace = useVaultStore((s) => s.deleteNamespace);
  const busy = useVaultStore((s) => s.busy);
  const [error, setError] = useState<UiError | null>(null);
  const parent = displayPath(parentPath(folder.path));

  return (
    <Dialog title={`Delete folder ${folder.path}?`} onClose={onClose}>
      <p>
        Only the folder goes away: nothing in it is deleted.{' '}
        {entryCount > 0
          ? `Its ${entryCount} ${entryCount === 1 ? 'entry moves' : 'entries move'} up one level, into ${parent}, together with the folders inside it.`
          : `Anything inside it moves up one level, into ${parent}.`}
      </p>
      <p className="muted">
        Shares given on this folder end with it: what moves up is then shared like {parent}.
        {folder.isolated && ' An isolated folder can only be deleted when it is empty.'}
      </p>
      <ErrorNotice error={error} />
      <div className="actions">
        <button type="button" className="ghost" onClick={onClose}>
          Cancel
        </button>
        <button
          type="button"
          className="primary danger"
          disabled={busy}
          onClick={() =>
            void deleteNamespace(folder.path).then((result) =>
              result.ok ? onClose() : setError(result.error),
            )
          }
        >
          Delete the folder
        </button>
      </div>
    </Dialog>
  );
}
