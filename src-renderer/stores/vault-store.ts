/**
 * The store browser's state: the snapshot of what you can see (names and metadata, never a
 * value), the current folder, the selected entry, the search, the server connection, and the
 * actions that call the core and refresh.
 *
 * Values never live here. `reveal` hands the value to the caller (the entry view keeps it in its
 * own state while shown); `copy` hands it to the clipboard countdown.
 */
import { create } from 'zustand';
import type {
  ConnectionState,
  IpcRequest,
  IpcResponse,
  RevealedEntry,
  RevokeResponse,
  SharingView,
  VaultEntry,
  VaultNamespace,
  VaultSnapshot,
} from '../../src-shared/ipc/contract.js';
import { applyCopy, clearClipboardNow } from './clipboard-countdown.js';
import { toUiError, type UiError } from './errors.js';
import { ipc } from './ipc-client.js';
import { useMembersStore } from './members-store.js';
import { operations, type ActionResult, type OperationState } from './operation.js';

export type { ActionResult } from './operation.js';

export type WorkspaceItem = IpcResponse<'vault.workspaces'>['workspaces'][number];

/** A deleted entry that can still be restored. */
export interface UndoOffer {
  path: string;
  undoToken: string;
  /** ms since the epoch. */
  expiresAt: number;
}

/** A short confirmation for the toast area (never contains a value). */
export interface VaultNotice {
  id: number;
  text: string;
}

/**
 * `error`: the last failed action outside a dialog (a dialog's actions run quiet and return
 * theirs). The snapshot read is coalesced and dropped when stale, so it keeps its own `loading`
 * and `loadError`.
 */
export interface VaultStore extends OperationState {
  snapshot: VaultSnapshot | null;
  loading: boolean;
  /** Loading the snapshot failed (and there is no copy to show). */
  loadError: UiError | null;
  connection: ConnectionState | null;
  workspaces: WorkspaceItem[];
  /**
   * The folder shown: a namespace path ("" = the root), or null for entries shared with you one
   * by one whose folder you cannot see.
   */
  namespace: string | null;
  /** The selected entry's path. */
  selected: string | null;
  query: string;
  undo: UndoOffer | null;
  notice: VaultNotice | null;

  /** Loads everything and follows `vault.changed` / `vault.connection`. Returns the unsubscribe. */
  attach(): () => void;
  load(): Promise<void>;
  loadConnection(): Promise<void>;
  setConnection(state: ConnectionState): void;
  loadWorkspaces(): Promise<void>;
  /** `expectFingerprint`: the fingerprint the user compared (a workspace never opened here). */
  switchWorkspace(workspaceId: string, expectFingerprint?: string): Promise<boolean>;
  setNamespace(path: string | null): void;
  select(path: string | null): void;
  setQuery(query: string): void;

  /** The value, for the caller to show (and forget): never kept here. */
  reveal(path: string): Promise<ActionResult<RevealedEntry>>;
  copy(path: string): Promise<boolean>;
  saveEntry(request: IpcRequest<'vault.setEntry'>): Promise<ActionResult<VaultEntry>>;
  deleteEntry(path: string): Promise<boolean>;
  undoDelete(): Promise<boolean>;
  createNamespace(path: string, isolated: boolean): Promise<ActionResult<VaultNamespace>>;
  deleteNamespace(path: string): Promise<ActionResult<{ moved: number }>>;
  sharing(request: IpcRequest<'vault.sharing'>): Promise<ActionResult<SharingView>>;
  grant(request: IpcRequest<'vault.grant'>): Promise<ActionResult<SharingView>>;
  revoke(request: IpcRequest<'vault.revoke'>): Promise<ActionResult<RevokeResponse>>;

  clearError(): void;
  dismissNotice(): void;
  reset(): void;
}

/** True when changes must wait: the server is unreachable or this is the local copy. */
export function isOffline(state: Pick<VaultStore, 'snapshot' | 'connection'>): boolean {
  return state.snapshot?.source === 'cache' || state.connection?.online === false;
}

// ---- derived: the entries the list shows ------------------------------------------------------

const lowerPaths = new WeakMap<VaultEntry[], string[]>();
const namespaceSets = new WeakMap<VaultNamespace[], Set<string>>();

function lowerPathsOf(entries: VaultEntry[]): string[] {
  let lower = lowerPaths.get(entries);
  if (!lower) lowerPaths.set(entries, (lower = entries.map((e) => e.path.toLowerCase())));
  return lower;
}

export function namespaceSetOf(namespaces: VaultNamespace[]): Set<string> {
  let set = namespaceSets.get(namespaces);
  if (!set) namespaceSets.set(namespaces, (set = new Set(namespaces.map((n) => n.path))));
  return set;
}

/** The words of a search, lower-case. */
export function searchTerms(query: string): string[] {
  return query.toLowerCase().split(/\s+/).filter(Boolean);
}

/**
 * What the list shows: with a search, every entry in the workspace whose path contains every
 * word of it (case-insensitive); otherwise the entries of the current folder.
 */
export function filterEntries(
  snapshot: VaultSnapshot | null,
  namespace: string | null,
  query: string,
): VaultEntry[] {
  if (!snapshot) return [];
  const { entries } = snapshot;
  const terms = searchTerms(query);
  if (terms.length > 0) {
    const lower = lowerPathsOf(entries);
    return entries.filter((_, i) => terms.every((term) => lower[i]!.includes(term)));
  }
  if (namespace === null) {
    const visible = namespaceSetOf(snapshot.namespaces);
    return entries.filter((e) => !visible.has(e.namespace));
  }
  return entries.filter((e) => e.namespace === namespace);
}

let memo: {
  snapshot: VaultSnapshot | null;
  namespace: string | null;
  query: string;
  result: VaultEntry[];
} | null = null;

/** `filterEntries` for the current state, memoized (a stable array for React). */
export function selectVisibleEntries(state: VaultStore): VaultEntry[] {
  if (
    !memo ||
    memo.snapshot !== state.snapshot ||
    memo.namespace !== state.namespace ||
    memo.query !== state.query
  ) {
    memo = {
      snapshot: state.snapshot,
      namespace: state.namespace,
      query: state.query,
      result: filterEntries(state.snapshot, state.namespace, state.query),
    };
  }
  return memo.result;
}

/** Entries shared with you whose folder you cannot see (the "Shared with you" view). */
export function hasLooseEntries(snapshot: VaultSnapshot | null): boolean {
  if (!snapshot) return false;
  const visible = namespaceSetOf(snapshot.namespaces);
  return snapshot.entries.some((e) => !visible.has(e.namespace));
}

/** The folder to show after a refresh: the wanted one, else its nearest visible ancestor. */
function pickNamespace(snapshot: VaultSnapshot, wanted: string | null): string | null {
  const visible = namespaceSetOf(snapshot.namespaces);
  if (wanted === null) {
    if (hasLooseEntries(snapshot)) return null;
    wanted = '';
  }
  let path = wanted;
  for (;;) {
    if (visible.has(path)) return path;
    if (path === '') break;
    const at = path.lastIndexOf('/');
    path = at < 0 ? '' : path.slice(0, at);
  }
  if (snapshot.namespaces[0]) return snapshot.namespaces[0].path;
  return hasLooseEntries(snapshot) ? null : '';
}

// ---- the store ----------------------------------------------------------------------------------

const initial = {
  snapshot: null,
  loading: false,
  loadError: null,
  error: null,
  connection: null,
  workspaces: [],
  namespace: '' as string | null,
  selected: null,
  query: '',
  undo: null,
  notice: null,
  busy: false,
};

export const useVaultStore = create<VaultStore>((set, get) => {
  // Bumped by reset and workspace switches: answers to older requests are dropped.
  let generation = 0;
  let inflight: Promise<void> | null = null;
  let dirty = false;
  let undoTimer: ReturnType<typeof setTimeout> | undefined;
  let noticeId = 0;

  const notify = (text: string) => set({ notice: { id: ++noticeId, text } });

  const fetchSnapshot = async () => {
    const gen = generation;
    if (!get().snapshot) set({ loading: true });
    try {
      const snapshot = await ipc().invoke('vault.snapshot', {});
      if (gen !== generation) return;
      const namespace = pickNamespace(snapshot, get().namespace);
      const selected = get().selected;
      set({
        snapshot,
        loading: false,
        loadError: null,
        namespace,
        selected: selected && snapshot.entries.some((e) => e.path === selected) ? selected : null,
      });
    } catch (error) {
      if (gen !== generation) return;
      set({ loading: false, loadError: toUiError(error) });
    }
  };

  const { run, call } = operations(set, get);

  const clearUndo = () => {
    clearTimeout(undoTimer);
    undoTimer = undefined;
    set({ undo: null });
  };

  return {
    ...initial,

    attach() {
      const client = ipc();
      const stops = [
        client.subscribe('vault.changed', (event) => {
          const current = get().snapshot;
          if (current && event.workspaceId !== current.workspaceId) return;
          void get().load();
        }),
        client.subscribe('vault.connection', (state) => get().setConnection(state)),
      ];
      void get().load();
      void get().loadConnection();
      void get().loadWorkspaces();
      return () => stops.forEach((stop) => stop());
    },

    load() {
      // Coalesces bursts of `vault.changed`: one request at a time, one more if asked meanwhile.
      if (inflight) {
        dirty = true;
        return inflight;
      }
      inflight = (async () => {
        do {
          dirty = false;
          await fetchSnapshot();
        } while (dirty);
      })().finally(() => {
        inflight = null;
      });
      return inflight;
    },

    async loadConnection() {
      try {
        get().setConnection(await ipc().invoke('vault.connection', {}));
      } catch {
        // The snapshot's own `source` still tells whether we are offline.
      }
    },

    setConnection(connection) {
      const before = get().connection;
      set({ connection });
      // Back online: the copy on screen may be old, fetch a fresh one.
      if (connection.online && (before?.online === false || get().snapshot?.source === 'cache')) {
        void get().load();
      }
    },

    async loadWorkspaces() {
      await run(
        async () => set({ workspaces: (await ipc().invoke('vault.workspaces', {})).workspaces }),
        { flag: null },
      );
    },

    async switchWorkspace(workspaceId, expectFingerprint) {
      const result = await call('vault.switchWorkspace', {
        workspaceId,
        ...(expectFingerprint !== undefined ? { expectFingerprint } : {}),
      });
      if (!result.ok) return false;
      generation++;
      clearUndo();
      set({
        workspaces: result.value.workspaces,
        snapshot: null,
        namespace: '',
        selected: null,
        query: '',
        loadError: null,
      });
      useMembersStore.getState().reset();
      await get().load();
      return true;
    },

    setNamespace(namespace) {
      set({ namespace, query: '', selected: null });
    },

    select(selected) {
      set({ selected });
    },

    setQuery(query) {
      set({ query });
    },

    reveal(path) {
      return call('vault.reveal', { path }, { quiet: true });
    },

    async copy(path) {
      const result = await call('vault.copy', { path }, { flag: null });
      if (!result.ok) return false;
      try {
        await applyCopy(path, result.value);
        return true;
      } catch {
        set({
          error: {
            code: 'CLIPBOARD',
            message:
              'The browser did not let Backbone use the clipboard. Click inside the window and try again, or use Reveal.',
          },
        });
        return false;
      }
    },

    async saveEntry(request) {
      const result = await call('vault.setEntry', request, { quiet: true });
      if (result.ok) {
        const entry = result.value;
        notify(`Saved ${entry.path}`);
        await get().load();
        const snapshot = get().snapshot;
        const visible = snapshot ? namespaceSetOf(snapshot.namespaces) : new Set<string>();
        set({
          namespace: visible.has(entry.namespace) ? entry.namespace : get().namespace,
          selected: entry.path,
        });
      }
      return result;
    },

    async deleteEntry(path) {
      const result = await call('vault.deleteEntry', { path });
      if (!result.ok) return false;
      const { undoToken, undoSeconds } = result.value;
      clearTimeout(undoTimer);
      undoTimer = setTimeout(() => set({ undo: null }), undoSeconds * 1000);
      set({
        undo: { path: result.value.path, undoToken, expiresAt: Date.now() + undoSeconds * 1000 },
        selected: get().selected === path ? null : get().selected,
      });
      await get().load();
      return true;
    },

    async undoDelete() {
      const offer = get().undo;
      if (!offer) return false;
      clearUndo();
      const result = await call('vault.undoDelete', { undoToken: offer.undoToken });
      if (!result.ok) return false;
      notify(`Restored ${result.value.path}`);
      await get().load();
      set({ selected: result.value.path });
      return true;
    },

    async createNamespace(path, isolated) {
      const result = await call('vault.createNamespace', { path, isolated }, { quiet: true });
      if (result.ok) {
        notify(`Created folder ${result.value.path}`);
        await get().load();
        get().setNamespace(result.value.path);
      }
      return result;
    },

    async deleteNamespace(path) {
      const result = await call('vault.deleteNamespace', { path }, { quiet: true });
      if (!result.ok) return result;
      const { moved } = result.value;
      notify(
        moved === 0
          ? `Deleted folder ${path}`
          : `Deleted folder ${path}; ${moved} ${moved === 1 ? 'item' : 'items'} moved up one level`,
      );
      // pickNamespace moves the view to the nearest folder that still exists.
      await get().load();
      return { ok: true, value: { moved } };
    },

    async sharing(request) {
      return call('vault.sharing', request, { quiet: true });
    },

    async grant(request) {
      const result = await call('vault.grant', request, { quiet: true });
      if (result.ok) await get().load();
      return result;
    },

    async revoke(request) {
      const result = await call('vault.revoke', request, { quiet: true });
      if (result.ok) await get().load();
      return result;
    },

    clearError() {
      set({ error: null });
    },

    dismissNotice() {
      set({ notice: null });
    },

    reset() {
      generation++;
      clearUndo();
      memo = null;
      set({ ...initial });
      void clearClipboardNow();
    },
  };
});
