// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { useState } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { VirtualList } from './VirtualList.js';

afterEach(cleanup);

const ITEMS = Array.from({ length: 10_000 }, (_, i) => `item-${String(i).padStart(5, '0')}`);
const ROW = 36;
const HEIGHT = 360; // 10 rows in view

function List({ onSelect = () => undefined }: { onSelect?: (item: string) => void }) {
  const [selected, setSelected] = useState<string | null>(null);
  return (
    <VirtualList
      items={ITEMS}
      rowHeight={ROW}
      fallbackHeight={HEIGHT}
      overscan={3}
      getKey={(item) => item}
      renderRow={(item) => item}
      selectedKey={selected}
      onSelect={(item) => {
        setSelected(item);
        onSelect(item);
      }}
      label="Things"
    />
  );
}

function activeOption(listbox: HTMLElement): HTMLElement | null {
  const id = listbox.getAttribute('aria-activedescendant');
  return id ? document.getElementById(id) : null;
}

describe('VirtualList', () => {
  it('renders only a window of 10,000 rows, with set size and positions', () => {
    render(<List />);
    const listbox = screen.getByRole('listbox', { name: 'Things' });
    const options = screen.getAllByRole('option');
    expect(options.length).toBeGreaterThan(5);
    expect(options.length).toBeLessThanOrEqual(14); // 10 in view + 3 overscan (+1 partial)
    expect(options[0]!.getAttribute('aria-setsize')).toBe('10000');
    expect(options[0]!.getAttribute('aria-posinset')).toBe('1');
    // The spacer keeps the scrollbar honest.
    expect((listbox.firstElementChild as HTMLElement).style.height).toBe(`${10_000 * ROW}px`);
  });

  it('renders the rows at the scroll position', () => {
    render(<List />);
    const listbox = screen.getByRole('listbox');
    Object.defineProperty(listbox, 'scrollTop', { value: 5000 * ROW, configurable: true });
    fireEvent.scroll(listbox);
    const options = screen.getAllByRole('option');
    expect(options.length).toBeLessThanOrEqual(17);
    expect(screen.getByText('item-05000').getAttribute('aria-posinset')).toBe('5001');
    expect(screen.queryByText('item-00000')).toBeNull();
  });

  it('moves with the keyboard and selects with Enter', () => {
    const onSelect = vi.fn();
    render(<List onSelect={onSelect} />);
    const listbox = screen.getByRole('listbox');
    fireEvent.focus(listbox);
    expect(activeOption(listbox)?.textContent).toBe('item-00000');
    fireEvent.keyDown(listbox, { key: 'ArrowDown' });
    fireEvent.keyDown(listbox, { key: 'ArrowDown' });
    expect(activeOption(listbox)?.textContent).toBe('item-00002');
    fireEvent.keyDown(listbox, { key: 'ArrowUp' });
    fireEvent.keyDown(listbox, { key: 'Enter' });
    expect(onSelect).toHaveBeenLastCalledWith('item-00001');
    expect(screen.getByText('item-00001').getAttribute('aria-selected')).toBe('true');

    // End jumps to the last row, which is scrolled into view and rendered.
    fireEvent.keyDown(listbox, { key: 'End' });
    expect(activeOption(listbox)?.textContent).toBe('item-09999');
    expect(activeOption(listbox)?.getAttribute('aria-posinset')).toBe('10000');
    expect(screen.queryByText('item-00001')).toBeNull();
    fireEvent.keyDown(listbox, { key: 'ArrowDown' }); // stays at the end
    expect(activeOption(listbox)?.textContent).toBe('item-09999');
    fireEvent.keyDown(listbox, { key: 'PageUp' });
    expect(activeOption(listbox)?.textContent).toBe('item-09990');
    fireEvent.keyDown(listbox, { key: 'Home' });
    expect(activeOption(listbox)?.textContent).toBe('item-00000');
  });

  it('selects a row on click', () => {
    const onSelect = vi.fn();
    render(<List onSelect={onSelect} />);
    fireEvent.click(screen.getByText('item-00004'));
    expect(onSelect).toHaveBeenCalledWith('item-00004');
  });
});
