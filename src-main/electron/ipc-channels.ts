/** The two Electron IPC channel names; shared by main and preload. */
export const IPC_INVOKE_CHANNEL = 'backbone:invoke';
export const IPC_EVENT_CHANNEL = 'backbone:event';
