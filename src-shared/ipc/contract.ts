/**
 * The IPC contract between the renderer and the app core: one zod schema per request,
 * response and event. Both bindings (Electron ipcMain/contextBridge and the browser bridge)
 * carry exactly this contract; main validates every request against it, the renderer's client
 * validates every response and event.
 */
import { z } from 'zod';
import { emptyRequest, emptyResponse } from './schemas/common.js';
import {
  inspectInvitationRequestSchema,
  importMemberRequestSchema,
  invitationSummarySchema,
  memberSchema,
  membershipLogViewSchema,
  removeMemberRequestSchema,
  removeMemberResponseSchema,
  setPermissionsRequestSchema,
  workspaceViewSchema,
} from './schemas/members.js';
import {
  chooseServerRequestSchema,
  confirmEmergencyKitRequestSchema,
  createIdentityRequestSchema,
  createWorkspaceRequestSchema,
  emergencyKitResponseSchema,
  existingWorkspacesResponseSchema,
  openWorkspaceRequestSchema,
  restoreFromKitRequestSchema,
  signInWithPasswordRequestSchema,
  startJoinRequestSchema,
} from './schemas/onboarding.js';
import { progressEventSchema, sessionStateSchema, unlockRequestSchema } from './schemas/session.js';
import {
  changeKdfRequestSchema,
  changePasswordRequestSchema,
  changeServerUrlRequestSchema,
  enablePasswordAccessRequestSchema,
  revealKitRequestSchema,
  revealKitResponseSchema,
  setQuickUnlockRequestSchema,
  settingsSchema,
  updateSettingsRequestSchema,
} from './schemas/settings.js';
import {
  connectionStateSchema,
  copyResponseSchema,
  createNamespaceRequestSchema,
  deleteEntryResponseSchema,
  deleteNamespaceResponseSchema,
  grantRequestSchema,
  pathRequestSchema,
  revealedEntrySchema,
  revokeRequestSchema,
  revokeResponseSchema,
  setEntryRequestSchema,
  sharingTargetSchema,
  sharingViewSchema,
  switchWorkspaceRequestSchema,
  undoDeleteRequestSchema,
  vaultChangedEventSchema,
  vaultEntrySchema,
  vaultNamespaceSchema,
  vaultSnapshotSchema,
  workspaceListSchema,
} from './schemas/vault.js';

export * from './schemas/common.js';
export * from './schemas/members.js';
export * from './schemas/onboarding.js';
export * from './schemas/session.js';
export * from './schemas/settings.js';
export * from './schemas/vault.js';

/** What the About/Status screen shows. */
export const appStatusSchema = z
  .object({
    appName: z.string().min(1),
    version: z.string().min(1),
    /** State of the app core. */
    core: z.enum(['starting', 'ready', 'stopping']),
    /** Where the core keeps its data (keyfile, cache, settings). */
    dataDir: z.string().min(1),
    /** Which binding serves this renderer. */
    runtime: z.enum(['electron', 'browser']),
    platform: z.string().min(1),
    /** Version of the Node.js runtime the core runs on (Electron's embedded Node in the app). */
    nodeVersion: z.string().min(1),
    /** When the core started, ISO 8601. */
    startedAt: z.iso.datetime(),
  })
  .strict();
export type AppStatus = z.infer<typeof appStatusSchema>;

/**
 * Request/response channels. Secrets travel only renderer → core (passwords, values typed); the
 * only secrets that travel back are the Emergency Kit's words and one store value, each when the
 * user asks to see it (`onboarding.emergencyKit`, `settings.revealEmergencyKit`, `vault.reveal`,
 * `vault.copy` in browser mode).
 */
export const ipcChannels = {
  'app.status': { request: emptyRequest, response: appStatusSchema },

  // session (src-main/core/session)
  'session.state': { request: emptyRequest, response: sessionStateSchema },
  'session.unlock': { request: unlockRequestSchema, response: sessionStateSchema },
  'session.quickUnlock': { request: emptyRequest, response: sessionStateSchema },
  'session.lock': { request: emptyRequest, response: sessionStateSchema },
  /** The user did something: restarts the auto-lock countdown. Cheap. */
  'session.activity': { request: emptyRequest, response: emptyResponse },

  // first run, new device, restore (src-main/core/onboarding)
  'onboarding.createIdentity': {
    request: createIdentityRequestSchema,
    response: sessionStateSchema,
  },
  'onboarding.emergencyKit': { request: emptyRequest, response: emergencyKitResponseSchema },
  'onboarding.confirmEmergencyKit': {
    request: confirmEmergencyKitRequestSchema,
    response: sessionStateSchema,
  },
  'onboarding.chooseServer': { request: chooseServerRequestSchema, response: sessionStateSchema },
  'onboarding.existingWorkspaces': {
    request: emptyRequest,
    response: existingWorkspacesResponseSchema,
  },
  'onboarding.createWorkspace': {
    request: createWorkspaceRequestSchema,
    response: sessionStateSchema,
  },
  'onboarding.openWorkspace': { request: openWorkspaceRequestSchema, response: sessionStateSchema },
  'onboarding.startJoin': { request: startJoinRequestSchema, response: sessionStateSchema },
  'onboarding.cancelJoin': { request: emptyRequest, response: sessionStateSchema },
  'onboarding.signInWithPassword': {
    request: signInWithPasswordRequestSchema,
    response: sessionStateSchema,
  },
  'onboarding.restoreFromKit': {
    request: restoreFromKitRequestSchema,
    response: sessionStateSchema,
  },

  // members of the current workspace (src-main/core/members)
  'members.workspace': { request: emptyRequest, response: workspaceViewSchema },
  'members.log': { request: emptyRequest, response: membershipLogViewSchema },
  'members.inspectInvitation': {
    request: inspectInvitationRequestSchema,
    response: invitationSummarySchema,
  },
  'members.import': { request: importMemberRequestSchema, response: memberSchema },
  'members.setPermissions': { request: setPermissionsRequestSchema, response: memberSchema },
  'members.remove': { request: removeMemberRequestSchema, response: removeMemberResponseSchema },
  /** Hides the verification-failure warning after the user read it (it comes back if it fails again). */
  'members.dismissVerificationWarning': { request: emptyRequest, response: sessionStateSchema },

  // settings (src-main/core/settings)
  'settings.get': { request: emptyRequest, response: settingsSchema },
  'settings.update': { request: updateSettingsRequestSchema, response: settingsSchema },
  'settings.changePassword': { request: changePasswordRequestSchema, response: settingsSchema },
  'settings.changeKdf': { request: changeKdfRequestSchema, response: settingsSchema },
  'settings.revealEmergencyKit': {
    request: revealKitRequestSchema,
    response: revealKitResponseSchema,
  },
  'settings.setQuickUnlock': { request: setQuickUnlockRequestSchema, response: settingsSchema },
  'settings.enablePasswordAccess': {
    request: enablePasswordAccessRequestSchema,
    response: settingsSchema,
  },
  'settings.changeServerUrl': { request: changeServerUrlRequestSchema, response: settingsSchema },

  // the encrypted store of the current workspace (src-main/core/vault)
  /** Everything you can see, without values (from the server, or the local copy when offline). */
  'vault.snapshot': { request: emptyRequest, response: vaultSnapshotSchema },
  'vault.reveal': { request: pathRequestSchema, response: revealedEntrySchema },
  'vault.copy': { request: pathRequestSchema, response: copyResponseSchema },
  'vault.setEntry': { request: setEntryRequestSchema, response: vaultEntrySchema },
  'vault.deleteEntry': { request: pathRequestSchema, response: deleteEntryResponseSchema },
  'vault.undoDelete': { request: undoDeleteRequestSchema, response: vaultEntrySchema },
  'vault.createNamespace': {
    request: createNamespaceRequestSchema,
    response: vaultNamespaceSchema,
  },
  'vault.deleteNamespace': { request: pathRequestSchema, response: deleteNamespaceResponseSchema },
  'vault.sharing': { request: sharingTargetSchema, response: sharingViewSchema },
  'vault.grant': { request: grantRequestSchema, response: sharingViewSchema },
  'vault.revoke': { request: revokeRequestSchema, response: revokeResponseSchema },
  /** Workspaces this identity is a member of (the sidebar). */
  'vault.workspaces': { request: emptyRequest, response: workspaceListSchema },
  'vault.switchWorkspace': { request: switchWorkspaceRequestSchema, response: workspaceListSchema },
  'vault.connection': { request: emptyRequest, response: connectionStateSchema },
} as const;

/** Events pushed from main to the renderer. */
export const ipcEvents = {
  'app.statusChanged': appStatusSchema,
  /** Locked, unlocked, onboarding progressed, joined a workspace, verification failed… */
  'session.changed': sessionStateSchema,
  /** Progress of a slow operation (Argon2id). */
  'session.progress': progressEventSchema,
  /** The workspace's verified membership changed (someone was added, changed, removed). */
  'members.changed': workspaceViewSchema,
  'settings.changed': settingsSchema,
  /** The store changed: fetch `vault.snapshot` again. */
  'vault.changed': vaultChangedEventSchema,
  /** The server became reachable or unreachable (the offline banner). */
  'vault.connection': connectionStateSchema,
} as const;

export type IpcChannel = keyof typeof ipcChannels;
export type IpcEvent = keyof typeof ipcEvents;
export type IpcRequest<C extends IpcChannel> = z.input<(typeof ipcChannels)[C]['request']>;
export type IpcResponse<C extends IpcChannel> = z.output<(typeof ipcChannels)[C]['response']>;
export type IpcEventPayload<E extends IpcEvent> = z.output<(typeof ipcEvents)[E]>;

export function isIpcChannel(value: unknown): value is IpcChannel {
  return typeof value === 'string' && Object.hasOwn(ipcChannels, value);
}

export function isIpcEvent(value: unknown): value is IpcEvent {
  return typeof value === 'string' && Object.hasOwn(ipcEvents, value);
}
