import { describe, expect, it } from 'vitest';
import { hardenedWebPreferences } from './web-preferences.js';

describe('hardenedWebPreferences', () => {
  it('isolates, sandboxes and keeps Node out of the renderer', () => {
    expect(hardenedWebPreferences('/app/preload.cjs')).toEqual({
      preload: '/app/preload.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
    });
  });
});
