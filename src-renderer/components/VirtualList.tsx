/**
 * A windowed listbox: fixed row height, only the rows in view (plus a few) are in the DOM, so a
 * list of 10,000 entries scrolls and filters without delay.
 *
 * The listbox itself holds the focus; the active row is announced with aria-activedescendant
 * (it is always scrolled into view, so it is rendered). ↑/↓/Home/End/PageUp/PageDown move the
 * active row, Enter or a click selects it.
 */
import {
  useEffect,
  useId,
  useLayoutEffect,
  useMemo,
  useRef,
  useState,
  type KeyboardEvent,
  type ReactNode,
  type Ref,
} from 'react';
import './VirtualList.css';

export interface RowState {
  active: boolean;
  selected: boolean;
}

export interface VirtualListProps<T> {
  items: readonly T[];
  /** Height of every row in px (must match the CSS). */
  rowHeight: number;
  getKey: (item: T) => string;
  renderRow: (item: T, index: number, state: RowState) => ReactNode;
  selectedKey: string | null;
  onSelect: (item: T, index: number) => void;
  /** The listbox's accessible name. */
  label: string;
  /** Rows rendered above and below the visible ones. */
  overscan?: number;
  /** Height used until the element is measured (and where there is no layout, as in tests). */
  fallbackHeight?: number;
  listRef?: Ref<HTMLDivElement>;
  className?: string;
}

export function VirtualList<T>({
  items,
  rowHeight,
  getKey,
  renderRow,
  selectedKey,
  onSelect,
  label,
  overscan = 6,
  fallbackHeight = 480,
  listRef,
  className,
}: VirtualListProps<T>) {
  const baseId = useId();
  const viewport = useRef<HTMLDivElement | null>(null);
  const [height, setHeight] = useState(fallbackHeight);
  const [scrollTop, setScrollTop] = useState(0);
  const [activeKey, setActiveKey] = useState<string | null>(null);

  const indexOf = useMemo(() => {
    const map = new Map<string, number>();
    items.forEach((item, i) => map.set(getKey(item), i));
    return map;
  }, [items, getKey]);

  // The selection (changed elsewhere, e.g. after saving) becomes the active row.
  useEffect(() => {
    if (selectedKey !== null) setActiveKey(selectedKey);
  }, [selectedKey]);

  useLayoutEffect(() => {
    const node = viewport.current;
    if (!node) return;
    const measure = () => setHeight(node.clientHeight > 0 ? node.clientHeight : fallbackHeight);
    measure();
    if (typeof ResizeObserver === 'undefined') return;
    const observer = new ResizeObserver(measure);
    observer.observe(node);
    return () => observer.disconnect();
  }, [fallbackHeight]);

  const count = items.length;
  const total = count * rowHeight;
  // A shorter list (a search) may leave the old scroll position past its end.
  const top = Math.max(0, Math.min(scrollTop, total - height));
  const first = Math.max(0, Math.floor(top / rowHeight) - overscan);
  const last = Math.min(count, Math.ceil((top + height) / rowHeight) + overscan);
  const active = activeKey === null ? -1 : (indexOf.get(activeKey) ?? -1);
  const pageSize = Math.max(1, Math.floor(height / rowHeight) - 1);

  const scrollTo = (next: number) => {
    const node = viewport.current;
    if (node) node.scrollTop = next;
    setScrollTop(next);
  };

  const activate = (index: number) => {
    const item = items[index];
    if (item === undefined) return;
    setActiveKey(getKey(item));
    const rowTop = index * rowHeight;
    if (rowTop < top) scrollTo(rowTop);
    else if (rowTop + rowHeight > top + height) scrollTo(rowTop + rowHeight - height);
  };

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    if (count === 0 || event.altKey || event.ctrlKey || event.metaKey) return;
    const from = active < 0 ? -1 : active;
    let next: number;
    switch (event.key) {
      case 'ArrowDown':
        next = Math.min(count - 1, from + 1);
        break;
      case 'ArrowUp':
        next = Math.max(0, from - 1);
        break;
      case 'Home':
        next = 0;
        break;
      case 'End':
        next = count - 1;
        break;
      case 'PageDown':
        next = Math.min(count - 1, Math.max(0, from) + pageSize);
        break;
      case 'PageUp':
        next = Math.max(0, from - pageSize);
        break;
      case 'Enter':
      case ' ': {
        const item = items[active];
        if (item !== undefined) {
          event.preventDefault();
          onSelect(item, active);
        }
        return;
      }
      default:
        return;
    }
    event.preventDefault();
    activate(next);
  };

  const setRefs = (node: HTMLDivElement | null) => {
    viewport.current = node;
    if (typeof listRef === 'function') listRef(node);
    else if (listRef) listRef.current = node;
  };

  const rows: ReactNode[] = [];
  for (let index = first; index < last; index++) {
    const item = items[index]!;
    const key = getKey(item);
    const selected = key === selectedKey;
    rows.push(
      <div
        key={key}
        id={`${baseId}-${index}`}
        role="option"
        aria-selected={selected}
        aria-setsize={count}
        aria-posinset={index + 1}
        className={`vlist-row${selected ? ' selected' : ''}${index === active ? ' active' : ''}`}
        style={{ top: index * rowHeight, height: rowHeight }}
        onClick={() => {
          setActiveKey(key);
          onSelect(item, index);
        }}
      >
        {renderRow(item, index, { active: index === active, selected })}
      </div>,
    );
  }

  return (
    <div
      ref={setRefs}
      className={`vlist${className ? ` ${className}` : ''}`}
      role="listbox"
      aria-label={label}
      tabIndex={0}
      aria-activedescendant={active >= first && active < last ? `${baseId}-${active}` : undefined}
      onKeyDown={onKeyDown}
      onFocus={(event) => {
        // Focus arriving from outside starts at the selection, or the first row.
        if (event.target === event.currentTarget && active < 0 && count > 0) {
          const selected = selectedKey === null ? undefined : indexOf.get(selectedKey);
          activate(selected ?? 0);
        }
      }}
      onScroll={(event) => setScrollTop(event.currentTarget.scrollTop)}
    >
      <div className="vlist-spacer" role="presentation" style={{ height: total }}>
        {rows}
      </div>
    </div>
  );
}
