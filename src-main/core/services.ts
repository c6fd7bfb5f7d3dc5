/** The app core's services, as the IPC handlers of every area see them. */
import type { CoreContext } from './core-context.js';
import type { JoinFlow } from './onboarding/join.js';
import type { ServerManager } from './server/server-manager.js';
import type { SessionManager } from './session/session-manager.js';
import type { VaultService } from './vault/vault-service.js';
import type { WorkspaceWatcher } from './workspace/workspace-watcher.js';

export interface CoreServices {
  ctx: CoreContext;
  session: SessionManager;
  servers: ServerManager;
  join: JoinFlow;
  watcher: WorkspaceWatcher;
  /** The store browser: snapshots, offline copy, clipboard, undo (vault/vault-service.ts). */
  vault: VaultService;
  /** Positions of the Emergency Kit words the user is asked to type back (onboarding). */
  kitChallenge: number[] | undefined;
}
