/**
 * Where the app keeps its data when no directory is given. Matches Electron's
 * `app.getPath('userData')` for an app named "Backbone", so browser mode and the desktop app
 * share one data directory.
 */
import os from 'node:os';
import path from 'node:path';
import { APP_NAME } from '../../src-shared/app-info.js';

export function defaultDataDir(
  platform: NodeJS.Platform = process.platform,
  env: NodeJS.ProcessEnv = process.env,
  home: string = os.homedir(),
): string {
  if (env.BACKBONE_DATA_DIR) return path.resolve(env.BACKBONE_DATA_DIR);
  switch (platform) {
    case 'win32':
      return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), APP_NAME);
    case 'darwin':
      return path.join(home, 'Library', 'Application Support', APP_NAME);
    default:
      return path.join(env.XDG_CONFIG_HOME ?? path.join(home, '.config'), APP_NAME);
  }
}
