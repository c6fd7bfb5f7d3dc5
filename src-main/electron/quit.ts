/**
 * Quitting waits for the app core's shutdown, so the clipboard is cleared (a copied secret does
 * not outlive the app), the offline cache is flushed and the session is locked before the
 * process ends. Electron does not wait for asynchronous `before-quit` listeners, so:
 *
 * 1. the first `before-quit` is held (`preventDefault`) and the core's `stop` starts;
 * 2. further `before-quit`s while it runs are held too (the user pressed quit twice; no second
 *    stop);
 * 3. once `stop` settles, or after `timeoutMs` (a core that hangs must not keep the app open),
 *    the app quits again, and that `before-quit` passes through: no loop.
 *
 * Pure of Electron (it takes an app-like object) so it can be tested with a fake.
 */

/** What this needs of Electron's `app`. */
export interface QuittableApp {
  on(event: 'before-quit', listener: (event: { preventDefault(): void }) => void): unknown;
  quit(): void;
}

export interface QuitAfterCoreStopOptions {
  /** The core's shutdown (`AppCore.stop`). */
  stop: () => Promise<void>;
  /** Longest wait for `stop` before quitting anyway (default 5 s). */
  timeoutMs?: number;
  /** Diagnostics (never secrets). */
  log?: (message: string) => void;
}

export const DEFAULT_QUIT_TIMEOUT_MS = 5000;

export function quitAfterCoreStop(app: QuittableApp, options: QuitAfterCoreStopOptions): void {
  const timeoutMs = options.timeoutMs ?? DEFAULT_QUIT_TIMEOUT_MS;
  const log = options.log ?? (() => undefined);
  let state: 'running' | 'stopping' | 'stopped' = 'running';

  app.on('before-quit', (event) => {
    if (state === 'stopped') return;
    event.preventDefault();
    if (state === 'stopping') return;
    state = 'stopping';
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        log(`quit: the core did not stop within ${timeoutMs} ms; quitting anyway`);
        resolve();
      }, timeoutMs);
    });
    const stopped = Promise.resolve()
      .then(() => options.stop())
      .catch((error: unknown) => {
        log(`quit: the core failed to stop (${error instanceof Error ? error.name : 'error'})`);
      });
    void Promise.race([stopped, timedOut]).then(() => {
      clearTimeout(timer);
      state = 'stopped';
      app.quit();
    });
  });
}
