/** The entries of the current folder or of a search, in a windowed listbox. */
import { useCallback, type Ref } from 'react';
import type { VaultEntry } from '../../../src-shared/ipc/contract.js';
import { VirtualList } from '../../components/VirtualList.js';
import { baseName, parentPath } from './access.js';
import { Highlight } from './Highlight.js';
import './EntryList.css';

/** Must match `.vlist-row` in components/VirtualList.css. */
export const ENTRY_ROW_HEIGHT = 36;

const entryKey = (entry: VaultEntry) => entry.path;

export function EntryList({
  entries,
  terms,
  namespace,
  selected,
  onSelect,
  listRef,
}: {
  entries: readonly VaultEntry[];
  /** Search words (empty: folder view). */
  terms: readonly string[];
  namespace: string | null;
  selected: string | null;
  onSelect: (path: string) => void;
  listRef?: Ref<HTMLDivElement>;
}) {
  const searching = terms.length > 0;
  const renderRow = useCallback(
    (entry: VaultEntry) => {
      // In a folder: the path below it. In a search or the shared view: name, then its folder.
      const inFolder = !searching && namespace !== null;
      const name = inFolder
        ? namespace === ''
          ? entry.path
          : entry.path.slice(namespace.length + 1)
        : baseName(entry.path);
      const folder = inFolder ? '' : parentPath(entry.path);
      return (
        <>
          <span className="entry-row-name">
            <Highlight text={name} terms={terms} />
          </span>
          {/* The spaces keep the option's name readable ("password team/db expired"). */}
          {folder && (
            <>
              {' '}
              <span className="entry-row-folder">
                <Highlight text={folder} terms={terms} />
              </span>
            </>
          )}
          {entry.expired && (
            <>
              {' '}
              <span className="badge badge-expired">expired</span>
            </>
          )}
        </>
      );
    },
    [searching, namespace, terms],
  );
  return (
    <VirtualList
      items={entries}
      rowHeight={ENTRY_ROW_HEIGHT}
      getKey={entryKey}
      renderRow={renderRow}
      selectedKey={selected}
      onSelect={(entry) => onSelect(entry.path)}
      label={searching ? 'Search results' : 'Entries'}
      listRef={listRef}
      className="entry-list"
    />
  );
}
