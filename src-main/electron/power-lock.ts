/** Locks the vault when the computer sleeps or its screen locks (Electron `powerMonitor`). */
import { powerMonitor } from 'electron';

export function lockOnSleepAndScreenLock(lock: () => void): void {
  powerMonitor.on('suspend', lock);
  powerMonitor.on('lock-screen', lock);
}
