import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isAppUrl, resolveAppFile } from './app-url.js';

const root = path.resolve('/opt/backbone/renderer');

describe('app:// URLs', () => {
  it('maps app://backbone paths to files inside the renderer folder', () => {
    expect(resolveAppFile(root, 'app://backbone/index.html')).toBe(path.join(root, 'index.html'));
    expect(resolveAppFile(root, 'app://backbone/assets/a.js?x=1')).toBe(
      path.join(root, 'assets/a.js'),
    );
  });

  it.each([
    'app://backbone/../../etc/passwd',
    'app://backbone/%2e%2e/%2e%2e/etc/passwd',
    'app://backbone/assets/..%2f..%2f..%2fetc/passwd',
  ])('keeps %s inside the renderer folder', (url) => {
    const file = resolveAppFile(root, url);
    expect(file === null || file.startsWith(root + path.sep)).toBe(true);
    expect(file).not.toBe('/etc/passwd');
  });

  it.each([
    'app://backbone/',
    'app://backbone/%00index.html',
    'app://other/index.html',
    'file:///etc/passwd',
    'https://backbone/index.html',
    'app://backbone/%E0%A4%A',
    'not a url',
  ])('refuses %s', (url) => {
    expect(resolveAppFile(root, url)).toBeNull();
  });

  it('recognizes only the app origin', () => {
    expect(isAppUrl('app://backbone/index.html')).toBe(true);
    expect(isAppUrl('app://backbone.evil/index.html')).toBe(false);
    expect(isAppUrl('http://127.0.0.1/')).toBe(false);
    expect(isAppUrl('')).toBe(false);
  });
});
