/**
 * The store browser: workspaces and folders on the left, the entries of a folder (or of a
 * search across the workspace) in a windowed list, the selected entry on the right.
 */
import {
  useEffect,
  useMemo,
  useRef,
  useState,
  type KeyboardEvent as ReactKeyboardEvent,
  type ReactNode,
} from 'react';
import { ErrorNotice } from '../../components/ErrorNotice.js';
import {
  hasLooseEntries,
  isOffline,
  searchTerms,
  selectVisibleEntries,
  useVaultStore,
  type WorkspaceItem,
} from '../../stores/vault-store.js';
import { OFFLINE_REASON, displayPath, has, writeBlocked } from './access.js';
import { EntryList } from './EntryList.js';
import { EntryView } from './EntryView.js';
import { NewEntryDialog } from './EntryDialog.js';
import { DeleteFolderDialog, ISOLATED_EXPLANATION, NewFolderDialog } from './FolderDialogs.js';
import { OfflineBanner } from './OfflineBanner.js';
import { OpenWorkspaceDialog } from './OpenWorkspaceDialog.js';
import { SharingDialog } from './SharingDialog.js';
import { ShortcutsDialog } from './ShortcutsDialog.js';
import { VaultSidebar } from './VaultSidebar.js';
import { VaultToasts } from './VaultToasts.js';
import './VaultScreen.css';

type OpenDialog = 'new-entry' | 'new-folder' | 'delete-folder' | 'share-folder' | 'shortcuts';

const NO_STORE = 'An administrator has not created the store yet.';

/** Keys typed into a field belong to the field. */
function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  if (target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement) return true;
  if (target instanceof HTMLInputElement) {
    return !['checkbox', 'radio', 'button', 'submit', 'reset'].includes(target.type);
  }
  return false;
}

function entriesLabel(count: number): string {
  return `${count.toLocaleString()} ${count === 1 ? 'entry' : 'entries'}`;
}

function EmptyState({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="empty-state">
      <h3>{title}</h3>
      {children}
    </div>
  );
}

export function VaultScreen() {
  const store = useVaultStore();
  const visible = useVaultStore(selectVisibleEntries);
  const { snapshot, namespace, query, selected } = store;
  const offline = isOffline(store);
  const [dialog, setDialog] = useState<OpenDialog | null>(null);
  const [opening, setOpening] = useState<WorkspaceItem | null>(null);
  const searchRef = useRef<HTMLInputElement>(null);
  const listRef = useRef<HTMLDivElement>(null);

  useEffect(() => useVaultStore.getState().attach(), []);

  const terms = useMemo(() => searchTerms(query), [query]);
  const searching = terms.length > 0;
  const folder = useMemo(
    () =>
      snapshot && namespace !== null
        ? snapshot.namespaces.find((n) => n.path === namespace)
        : undefined,
    [snapshot, namespace],
  );
  const selectedEntry = useMemo(
    () => (snapshot && selected ? snapshot.entries.find((e) => e.path === selected) : undefined),
    [snapshot, selected],
  );
  const showShared = useMemo(() => hasLooseEntries(snapshot), [snapshot]);

  const newEntryBlocked = !snapshot
    ? 'The store is still loading.'
    : !snapshot.hasStore
      ? snapshot.canCreateStore
        ? offline
          ? OFFLINE_REASON
          : null
        : NO_STORE
      : namespace === null
        ? 'Open a folder first: a new entry goes into the folder you are in.'
        : writeBlocked(offline, folder?.access, ['READ', 'WRITE'], 'add entries');
  const newFolderBlocked = !snapshot
    ? 'The store is still loading.'
    : !snapshot.hasStore
      ? snapshot.canCreateStore
        ? 'Create the first entry first: it creates the store.'
        : NO_STORE
      : namespace === null || !folder
        ? 'Open a folder first: a new folder goes into the folder you are in.'
        : writeBlocked(offline, folder.access, ['READ', 'WRITE'], 'add folders');
  const deleteFolderBlocked = !folder
    ? null
    : folder.path === ''
      ? 'The root folder cannot be deleted.'
      : writeBlocked(offline, folder.access, ['DELETE'], 'delete this folder');

  const focusSearch = () => {
    searchRef.current?.focus();
    searchRef.current?.select();
  };

  // Global shortcuts. Read the state when the key comes, so the listener is added once.
  const latest = useRef({ newEntryBlocked, selectedEntry });
  latest.current = { newEntryBlocked, selectedEntry };
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      // An open dialog handles its own keys (Escape closes it).
      if (document.querySelector('[aria-modal="true"]')) return;
      const state = useVaultStore.getState();
      const mod = (event.ctrlKey || event.metaKey) && !event.altKey;
      const key = event.key.toLowerCase();
      const typing = isTyping(event.target);
      if ((mod && key === 'f') || (!mod && !typing && event.key === '/')) {
        event.preventDefault();
        focusSearch();
      } else if (mod && key === 'n' && !event.shiftKey) {
        event.preventDefault();
        if (latest.current.newEntryBlocked === null) setDialog('new-entry');
      } else if (mod && key === 'c' && !event.shiftKey) {
        // Only when nothing else would be copied: no field focused, no text selected.
        const entry = latest.current.selectedEntry;
        if (typing || !entry || (window.getSelection()?.toString() ?? '') !== '') return;
        event.preventDefault();
        void state.copy(entry.path);
      } else if (mod && key === 'z' && !event.shiftKey && !typing && state.undo) {
        event.preventDefault();
        void state.undoDelete();
      } else if (!mod && !typing && event.key === '?') {
        event.preventDefault();
        setDialog('shortcuts');
      } else if (event.key === 'Escape' && state.query) {
        event.preventDefault();
        state.setQuery('');
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  const onSearchKey = (event: ReactKeyboardEvent<HTMLInputElement>) => {
    if (event.key === 'ArrowDown' && visible.length > 0) {
      event.preventDefault();
      listRef.current?.focus();
    } else if (event.key === 'Enter' && visible[0]) {
      event.preventDefault();
      store.select(visible[0].path);
    }
  };

  const folderTitle = searching
    ? `Results for “${query.trim()}”`
    : namespace === null
      ? 'Shared with you'
      : namespace === ''
        ? 'Root'
        : namespace;

  let body: ReactNode;
  if (!snapshot) {
    body = store.loadError ? (
      <div className="empty-state">
        <ErrorNotice error={store.loadError} />
        <button type="button" onClick={() => void store.load()}>
          Try again
        </button>
      </div>
    ) : (
      <p className="empty-state" aria-live="polite">
        <span className="spinner" aria-hidden="true" /> Opening the store…
      </p>
    );
  } else if (!snapshot.hasStore) {
    body = snapshot.canCreateStore ? (
      <EmptyState title="No store yet">
        <p>
          {snapshot.displayName} has no store yet. Writing the first entry creates it; then you can
          share folders with the other members.
        </p>
        <button
          type="button"
          className="primary"
          disabled={newEntryBlocked !== null}
          title={newEntryBlocked ?? undefined}
          onClick={() => setDialog('new-entry')}
        >
          Create the first entry
        </button>
      </EmptyState>
    ) : (
      <EmptyState title={NO_STORE}>
        <p className="muted">
          When an administrator has created it and shared something with you, it appears here.
        </p>
      </EmptyState>
    );
  } else if (snapshot.namespaces.length === 0 && snapshot.entries.length === 0) {
    body = (
      <EmptyState title="Nothing has been shared with you yet">
        <p className="muted">
          Ask a member who has access to share a folder or an entry with you. It appears here as
          soon as they do.
        </p>
      </EmptyState>
    );
  } else if (searching && visible.length === 0) {
    body = (
      <EmptyState title={`No entries match “${query.trim()}”`}>
        <p className="muted">
          The search looks at the names of every entry you can read in {snapshot.displayName}.
        </p>
      </EmptyState>
    );
  } else if (!searching && folder && !has(folder.access, 'READ')) {
    body = (
      <EmptyState title="You cannot read inside this folder">
        <p className="muted">
          {folder.isolated
            ? `It is isolated. ${ISOLATED_EXPLANATION} Ask its owner to share it with you.`
            : 'Ask a member who has access to share it with you.'}
        </p>
      </EmptyState>
    );
  } else if (visible.length === 0) {
    body = (
      <EmptyState title="This folder has no entries">
        <p className="muted">
          {newEntryBlocked === null
            ? 'Add one with New entry.'
            : 'Its folders, if any, are in the sidebar.'}
        </p>
      </EmptyState>
    );
  } else {
    body = (
      <EntryList
        entries={visible}
        terms={terms}
        namespace={namespace}
        selected={selected}
        onSelect={store.select}
        listRef={listRef}
      />
    );
  }

  // Loading, no store, nothing shared: one message instead of the list and entry panes.
  const browsing =
    snapshot !== null &&
    snapshot.hasStore &&
    (snapshot.namespaces.length > 0 || snapshot.entries.length > 0);
  // Why the toolbar's buttons are off (offline and "no store" are said by the banner / page).
  const toolbarHints = browsing
    ? [newEntryBlocked, newFolderBlocked].filter(
        (reason): reason is string => reason !== null && reason !== OFFLINE_REASON,
      )
    : [];

  return (
    <div className="vault">
      <h1 className="visually-hidden">Store</h1>
      <VaultSidebar
        workspaces={store.workspaces}
        namespaces={snapshot?.namespaces ?? []}
        current={searching ? undefined : namespace}
        showShared={showShared}
        busy={store.busy}
        onOpen={store.setNamespace}
        onSwitchWorkspace={(id) => {
          const target = store.workspaces.find((w) => w.id === id);
          if (target && !target.verifiedHere) setOpening(target);
          else void store.switchWorkspace(id);
        }}
      />
      <div className="vault-main">
        <OfflineBanner snapshot={snapshot} connection={store.connection} />
        <ErrorNotice error={store.error} onDismiss={store.clearError} />
        <div className="vault-toolbar">
          <label htmlFor="vault-search" className="visually-hidden">
            Search entries
          </label>
          <input
            id="vault-search"
            ref={searchRef}
            type="search"
            className="vault-search"
            placeholder="Search entries"
            value={query}
            onChange={(e) => store.setQuery(e.target.value)}
            onKeyDown={onSearchKey}
            aria-keyshortcuts="Control+F Meta+F /"
            aria-describedby="vault-search-hint"
            autoComplete="off"
            spellCheck={false}
          />
          <span id="vault-search-hint" className="visually-hidden">
            Searches the names of every entry in the workspace as you type. Press the down arrow to
            move into the results.
          </span>
          <button
            type="button"
            className="primary"
            disabled={newEntryBlocked !== null}
            title={newEntryBlocked ?? 'New entry (Ctrl+N)'}
            aria-keyshortcuts="Control+N Meta+N"
            onClick={() => setDialog('new-entry')}
          >
            New entry
          </button>
          <button
            type="button"
            disabled={newFolderBlocked !== null}
            title={newFolderBlocked ?? 'New folder inside this one'}
            onClick={() => setDialog('new-folder')}
          >
            New folder
          </button>
          <button
            type="button"
            className="ghost shortcuts-button"
            aria-label="Keyboard shortcuts"
            aria-keyshortcuts="?"
            title="Keyboard shortcuts (?)"
            onClick={() => setDialog('shortcuts')}
          >
            ?
          </button>
        </div>
        {toolbarHints.length > 0 && (
          <p className="hint toolbar-hint">{[...new Set(toolbarHints)].join(' ')}</p>
        )}
        {browsing ? (
          <div className="vault-panes">
            <section className="vault-list-pane" aria-labelledby="vault-folder-title">
              <div className="folder-head">
                <h2 id="vault-folder-title">
                  {folderTitle}
                  {!searching && folder?.isolated && <span className="pill">isolated</span>}
                </h2>
                <span className="muted small" aria-live="polite">
                  {entriesLabel(visible.length)}
                </span>
                {!searching && folder && (
                  <span className="folder-actions">
                    <button
                      type="button"
                      className="ghost"
                      title={`Who can use ${displayPath(folder.path)}`}
                      onClick={() => setDialog('share-folder')}
                    >
                      Share folder
                    </button>
                    {folder.path !== '' && (
                      <button
                        type="button"
                        className="ghost danger"
                        disabled={deleteFolderBlocked !== null}
                        title={deleteFolderBlocked ?? 'Delete this folder (its contents move up)'}
                        onClick={() => setDialog('delete-folder')}
                      >
                        Delete folder
                      </button>
                    )}
                  </span>
                )}
              </div>
              {body}
            </section>
            <div className="vault-entry-pane">
              {selectedEntry && snapshot ? (
                <EntryView
                  key={selectedEntry.path}
                  entry={selectedEntry}
                  you={snapshot.you}
                  offline={offline}
                />
              ) : (
                <p className="muted empty-detail">Select an entry to see it here.</p>
              )}
            </div>
          </div>
        ) : (
          <section className="vault-single" aria-label="Store">
            {body}
          </section>
        )}
      </div>

      {dialog === 'new-entry' && (
        <NewEntryDialog namespace={namespace ?? ''} onClose={() => setDialog(null)} />
      )}
      {dialog === 'new-folder' && folder && (
        <NewFolderDialog parent={folder} onClose={() => setDialog(null)} />
      )}
      {dialog === 'delete-folder' && folder && (
        <DeleteFolderDialog
          folder={folder}
          entryCount={visible.length}
          onClose={() => setDialog(null)}
        />
      )}
      {dialog === 'share-folder' && folder && (
        <SharingDialog
          target={{ path: folder.path, kind: 'namespace' }}
          offline={offline}
          onClose={() => setDialog(null)}
        />
      )}
      {dialog === 'shortcuts' && <ShortcutsDialog onClose={() => setDialog(null)} />}
      {opening && <OpenWorkspaceDialog workspace={opening} onClose={() => setOpening(null)} />}
      <VaultToasts />
    </div>
  );
}
