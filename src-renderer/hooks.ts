/** App-wide behaviour: activity pings for auto-lock, keyboard shortcuts, the theme. */
import { useEffect } from 'react';
import type { Theme } from '../src-shared/ipc/contract.js';
import { ipc } from './stores/ipc-client.js';

/** Reports user activity to the core (which owns the auto-lock timer), at most every 15 s. */
export function useActivityReporter(active: boolean, intervalMs = 15_000): void {
  useEffect(() => {
    if (!active) return;
    let last = 0;
    const report = () => {
      const now = Date.now();
      if (now - last < intervalMs) return;
      last = now;
      void ipc()
        .invoke('session.activity', {})
        .catch(() => undefined);
    };
    const events = ['keydown', 'pointerdown', 'pointermove', 'wheel', 'touchstart'] as const;
    for (const name of events) window.addEventListener(name, report, { passive: true });
    return () => {
      for (const name of events) window.removeEventListener(name, report);
    };
  }, [active, intervalMs]);
}

/** Ctrl+L / ⌘L locks. */
export function useLockShortcut(enabled: boolean, lock: () => void): void {
  useEffect(() => {
    if (!enabled) return;
    const onKey = (event: KeyboardEvent) => {
      if ((event.ctrlKey || event.metaKey) && !event.altKey && event.key.toLowerCase() === 'l') {
        event.preventDefault();
        lock();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [enabled, lock]);
}

/** Applies the theme: `data-theme` on <html> (absent = follow the system). */
export function useTheme(theme: Theme | undefined): void {
  useEffect(() => {
    const root = document.documentElement;
    if (!theme || theme === 'system') delete root.dataset.theme;
    else root.dataset.theme = theme;
  }, [theme]);
}
