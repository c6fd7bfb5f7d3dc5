/**
 * The web preferences of every Backbone window: context isolation, the sandbox, no Node in the
 * renderer or its workers, web security on, no insecure content, no <webview>. Pure (a type
 * import only) so it is tested under Node; main.ts passes it to `new BrowserWindow`.
 */
import type { WebPreferences } from 'electron';

export function hardenedWebPreferences(preload: string): WebPreferences {
  return {
    preload,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    spellcheck: false,
  };
}
