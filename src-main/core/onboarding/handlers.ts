/** IPC handlers of onboarding (first run, new device with a password, restore). */
import type { IpcHandlerMap } from '../handler-map.js';
import type { CoreServices } from '../services.js';
import { chooseServer } from './choose-server.js';
import { createIdentity } from './create-identity.js';
import { restoreFromKit } from './restore-from-kit.js';
import { signInWithPassword } from './sign-in-with-password.js';
import { createWorkspace, existingWorkspaces, openWorkspace } from './workspace-setup.js';

type OnboardingChannels =
  | 'onboarding.createIdentity'
  | 'onboarding.emergencyKit'
  | 'onboarding.confirmEmergencyKit'
  | 'onboarding.chooseServer'
  | 'onboarding.existingWorkspaces'
  | 'onboarding.createWorkspace'
  | 'onboarding.openWorkspace'
  | 'onboarding.startJoin'
  | 'onboarding.cancelJoin'
  | 'onboarding.signInWithPassword'
  | 'onboarding.restoreFromKit';

export function onboardingHandlers(core: CoreServices): IpcHandlerMap<OnboardingChannels> {
  return {
    'onboarding.createIdentity': (request) => createIdentity(core, request),
    'onboarding.emergencyKit': () => core.kit.show(),
    'onboarding.confirmEmergencyKit': (request) => core.kit.confirm(request),
    'onboarding.chooseServer': (request) => chooseServer(core, request),
    'onboarding.existingWorkspaces': () => existingWorkspaces(core),
    'onboarding.createWorkspace': (request) => createWorkspace(core, request),
    'onboarding.openWorkspace': (request) => openWorkspace(core, request),
    'onboarding.startJoin': (request) => core.join.begin(request),
    'onboarding.cancelJoin': () => core.join.cancel(),
    'onboarding.signInWithPassword': (request) => signInWithPassword(core, request),
    'onboarding.restoreFromKit': (request) => restoreFromKit(core, request),
  };
}
