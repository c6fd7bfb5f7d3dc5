/**
 * The one convention for an operation's state in the renderer's stores.
 *
 * A store that runs operations holds an `OperationState`: `busy` while an action runs (buttons
 * disabled, progress shown) and `error`, the last failure as `toUiError` words it (cleared when
 * the next operation starts). Reads that fill a view raise `loading` instead of `busy`. Every
 * operation goes through `run` (a task) or `call` (one IPC channel), which keep that state and
 * hand the outcome back as an `ActionResult`: a dialog that shows its own error runs `quiet`.
 */
import type { IpcChannel, IpcRequest, IpcResponse } from '../../src-shared/ipc/contract.js';
import { toUiError, type UiError } from './errors.js';
import { ipc } from './ipc-client.js';

export interface OperationState {
  /** An action is running. */
  busy: boolean;
  /** The last failed operation (cleared when another starts). */
  error: UiError | null;
}

export type ActionResult<T> = { ok: true; value: T } | { ok: false; error: UiError };

export interface RunOptions {
  /**
   * The flag raised while it runs: `busy` for actions (the default), `loading` for reads that
   * fill a view, null for background reads that show nothing while they run.
   */
  flag?: 'busy' | 'loading' | null;
  /** The failure is only returned (a dialog shows it), not kept in the store's `error`. */
  quiet?: boolean;
  /** Refuse to start while another action of the store is busy (nothing is called). */
  exclusive?: boolean;
  /** What to say for an error that is not a typed Backbone error (see `toUiError`). */
  unexpected?: string;
}

/** What an `exclusive` operation answers while another one runs. */
export const BUSY_ERROR: UiError = {
  code: 'BUSY',
  message: 'Another action is still running. Wait for it to finish.',
};

type Patch = Partial<OperationState> & { loading?: boolean };

export interface Operations {
  run<T>(task: () => Promise<T>, options?: RunOptions): Promise<ActionResult<T>>;
  call<C extends IpcChannel>(
    channel: C,
    request: IpcRequest<C>,
    options?: RunOptions,
  ): Promise<ActionResult<IpcResponse<C>>>;
}

/** The operations of one store: `set` and `get` are the store's own. */
export function operations(set: (patch: Patch) => void, get: () => OperationState): Operations {
  const run: Operations['run'] = async (task, options = {}) => {
    const flag = options.flag === undefined ? 'busy' : options.flag;
    const raise = (on: boolean): Patch => (flag ? { [flag]: on } : {});
    if (options.exclusive && get().busy) return { ok: false, error: BUSY_ERROR };
    set({ ...raise(true), error: null });
    try {
      const value = await task();
      set(raise(false));
      return { ok: true, value };
    } catch (caught) {
      const error = toUiError(caught, options.unexpected);
      set(options.quiet ? raise(false) : { ...raise(false), error });
      return { ok: false, error };
    }
  };
  return {
    run,
    call: (channel, request, options) => run(() => ipc().invoke(channel, request), options),
  };
}
