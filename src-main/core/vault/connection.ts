/**
 * Whether the server can be reached, as the core sees it: updated by every server request the
 * vault makes (success → online; no connection or no answer → offline) and by the push channel
 * (connected → online; connection refused or lost → offline). Tells the renderer
 * (`vault.connection`) only when it changes.
 */
import type { ConnectionState } from '../../../src-shared/ipc/contract.js';

export class ConnectionTracker {
  #state: ConnectionState;

  constructor(
    private readonly emit: (state: ConnectionState) => void,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.#state = { online: true, reason: null, since: this.now().toISOString() };
  }

  state(): ConnectionState {
    return { ...this.#state };
  }

  online(): void {
    if (this.#state.online) return;
    this.#set({ online: true, reason: null, since: this.now().toISOString() });
  }

  /** `reason` is for people (what failed, what to do). */
  offline(reason: string): void {
    if (!this.#state.online) return;
    this.#set({ online: false, reason, since: this.now().toISOString() });
  }

  #set(state: ConnectionState): void {
    this.#state = state;
    this.emit(this.state());
  }
}
