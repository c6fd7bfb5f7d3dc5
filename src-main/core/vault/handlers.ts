/** IPC handlers of the store browser (the work is in vault-service.ts). */
import type { IpcHandlerMap } from '../handler-map.js';
import type { CoreServices } from '../services.js';

type VaultChannels =
  | 'vault.snapshot'
  | 'vault.reveal'
  | 'vault.copy'
  | 'vault.setEntry'
  | 'vault.deleteEntry'
  | 'vault.undoDelete'
  | 'vault.createNamespace'
  | 'vault.deleteNamespace'
  | 'vault.sharing'
  | 'vault.grant'
  | 'vault.revoke'
  | 'vault.workspaces'
  | 'vault.switchWorkspace'
  | 'vault.connection';

export function vaultHandlers(core: CoreServices): IpcHandlerMap<VaultChannels> {
  const { vault } = core;
  return {
    'vault.snapshot': () => vault.snapshot(),
    'vault.reveal': ({ path }) => vault.reveal(path),
    'vault.copy': ({ path }) => vault.copy(path),
    'vault.setEntry': (request) => vault.setEntry(request),
    'vault.deleteEntry': ({ path }) => vault.deleteEntry(path),
    'vault.undoDelete': ({ undoToken }) => vault.undoDelete(undoToken),
    'vault.createNamespace': (request) => vault.createNamespace(request),
    'vault.deleteNamespace': ({ path }) => vault.deleteNamespace(path),
    'vault.sharing': (request) => vault.sharing(request),
    'vault.grant': (request) => vault.grant(request),
    'vault.revoke': (request) => vault.revoke(request),
    'vault.workspaces': () => vault.workspaces(),
    'vault.switchWorkspace': ({ workspaceId, expectFingerprint }) =>
      vault.switchWorkspace(workspaceId, expectFingerprint),
    'vault.connection': () => vault.connectionState(),
  };
}
