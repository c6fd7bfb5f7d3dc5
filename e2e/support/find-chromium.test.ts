import { describe, expect, it } from 'vitest';
import { findChromium, missingBrowserMessage, usualPaths } from './find-chromium.js';

const none = () => null;

describe('findChromium', () => {
  it('takes CHROMIUM_PATH first, and only if it exists', () => {
    const exists = (file: string) => file === '/opt/chrome' || file === '/usr/bin/chromium';
    expect(findChromium({ CHROMIUM_PATH: '/opt/chrome' }, 'linux', exists, none)).toBe(
      '/opt/chrome',
    );
    // A typo in CHROMIUM_PATH does not silently fall back to another browser.
    expect(findChromium({ CHROMIUM_PATH: '/opt/typo' }, 'linux', exists, none)).toBeNull();
  });

  it("prefers Playwright's own browser when it is installed", () => {
    const exists = (file: string) => file === '/pw/chrome' || file === '/usr/bin/chromium';
    expect(findChromium({}, 'linux', exists, () => '/pw/chrome')).toBe('/pw/chrome');
    expect(
      findChromium(
        {},
        'linux',
        (f) => f === '/usr/bin/chromium',
        () => '/pw/chrome',
      ),
    ).toBe('/usr/bin/chromium');
  });

  it('knows the usual paths on Linux, macOS and Windows', () => {
    expect(findChromium({}, 'linux', (f) => f === '/usr/bin/google-chrome', none)).toBe(
      '/usr/bin/google-chrome',
    );
    const mac = '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome';
    expect(findChromium({}, 'darwin', (f) => f === mac, none)).toBe(mac);
    const win = 'C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe';
    expect(usualPaths('win32', { PROGRAMFILES: 'C:\\Program Files' })).toContain(win);
    expect(
      findChromium({ PROGRAMFILES: 'C:\\Program Files' }, 'win32', (f) => f === win, none),
    ).toBe(win);
  });

  it('answers null when nothing is there, with one line saying how to get a browser', () => {
    expect(findChromium({}, 'linux', () => false, none)).toBeNull();
    const message = missingBrowserMessage({});
    expect(message).not.toContain('\n');
    expect(message).toMatch(/apt-get install chromium/);
    expect(missingBrowserMessage({ CHROMIUM_PATH: '/x' })).toMatch(
      /^CHROMIUM_PATH=\/x does not exist/,
    );
  });
});
