/**
 * Remembers the window's size, position and maximized state (electron-store), and never
 * restores it off-screen (a monitor may have been unplugged).
 */
import { screen, type BrowserWindow, type Rectangle } from 'electron';
import Store from 'electron-store';
import { z } from 'zod';

const windowStateSchema = z.object({
  bounds: z.object({
    x: z.number().int(),
    y: z.number().int(),
    width: z.number().int().min(480).max(20000),
    height: z.number().int().min(360).max(20000),
  }),
  maximized: z.boolean(),
});
export type WindowState = z.infer<typeof windowStateSchema>;

const DEFAULT_SIZE = { width: 1100, height: 760 };

export class WindowStateKeeper {
  private readonly store = new Store<{ window?: unknown }>({ name: 'window-state' });

  /** The saved state if valid and visible on a connected display, else a default size. */
  initial(): {
    bounds: Partial<Rectangle> & { width: number; height: number };
    maximized: boolean;
  } {
    const parsed = windowStateSchema.safeParse(this.store.get('window'));
    if (parsed.success && this.isVisible(parsed.data.bounds)) {
      return parsed.data;
    }
    return { bounds: DEFAULT_SIZE, maximized: false };
  }

  track(window: BrowserWindow): void {
    const save = (): void => {
      if (window.isDestroyed()) return;
      const state: WindowState = {
        bounds: window.getNormalBounds(),
        maximized: window.isMaximized(),
      };
      this.store.set('window', state);
    };
    window.on('close', save);
    window.on('resize', debounce(save, 500));
    window.on('move', debounce(save, 500));
  }

  private isVisible(bounds: Rectangle): boolean {
    const display = screen.getDisplayMatching(bounds).workArea;
    return (
      bounds.x + bounds.width > display.x + 40 &&
      bounds.y + bounds.height > display.y + 40 &&
      bounds.x < display.x + display.width - 40 &&
      bounds.y < display.y + display.height - 40
    );
  }
}

function debounce(fn: () => void, ms: number): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return () => {
    clearTimeout(timer);
    timer = setTimeout(fn, ms);
  };
}
