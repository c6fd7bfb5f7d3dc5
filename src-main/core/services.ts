/**
 * The app core's services, as the IPC handlers of every area see them (handler factories take
 * this record). No service module imports it: each service gets the few things it uses in its
 * constructor (app-core.ts wires them), so nothing here imports back.
 */
import type { CoreContext } from './core-context.js';
import type { EmergencyKitCheck } from './onboarding/emergency-kit.js';
import type { JoinFlow } from './onboarding/join.js';
import type { ServerManager } from './server/server-manager.js';
import type { SessionManager } from './session/session-manager.js';
import type { VaultService } from './vault/vault-service.js';
import type { CurrentWorkspace } from './workspace/current-workspace.js';
import type { WorkspaceWatcher } from './workspace/workspace-watcher.js';

export interface CoreServices {
  ctx: CoreContext;
  session: SessionManager;
  servers: ServerManager;
  /** This device's workspace: list, fetch, make current (workspace/current-workspace.ts). */
  workspace: CurrentWorkspace;
  join: JoinFlow;
  /** Onboarding's Emergency Kit step: shows the words, checks three typed back. */
  kit: EmergencyKitCheck;
  watcher: WorkspaceWatcher;
  /** The store browser: snapshots, offline copy, clipboard, undo (vault/vault-service.ts). */
  vault: VaultService;
}
