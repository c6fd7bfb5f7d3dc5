import { describe, expect, it } from 'vitest';
import { ipcChannels, ipcEvents } from './contract.js';
import { passwordStrength } from './password-strength.js';

const session = {
  state: 'locked',
  identity: null,
  setup: { kitConfirmed: true, server: null, workspace: null, join: null },
  passwordAccess: false,
  quickUnlock: false,
  autoLockMinutes: 10,
  verification: { ok: true, at: null },
};

describe('IPC contract', () => {
  it('imports a member only after the fingerprint was compared', () => {
    const schema = ipcChannels['members.import'].request;
    const base = { payload: 'bbinvite1.x', permissions: ['STORE_USE'] };
    expect(schema.safeParse({ ...base, fingerprintConfirmed: true }).success).toBe(true);
    expect(schema.safeParse({ ...base, fingerprintConfirmed: false }).success).toBe(false);
    expect(schema.safeParse(base).success).toBe(false);
  });

  it('session answers are strict: no extra field (a key, a token) can ride along', () => {
    const schema = ipcChannels['session.state'].response;
    expect(schema.safeParse(session).success).toBe(true);
    expect(schema.safeParse({ ...session, rootSecret: 'AAAA' }).success).toBe(false);
    expect(ipcEvents['session.changed'].safeParse({ ...session, token: 'x' }).success).toBe(false);
  });

  it('only the two Emergency Kit channels answer with words', () => {
    const withWords = Object.entries(ipcChannels)
      .filter(([, c]) => 'shape' in c.response && 'words' in (c.response.shape as object))
      .map(([name]) => name)
      .sort();
    expect(withWords).toEqual(['onboarding.emergencyKit', 'settings.revealEmergencyKit']);
  });
});

describe('password policy', () => {
  it('scores common, personal and short passwords as not strong', () => {
    expect(passwordStrength('password1').strong).toBe(false);
    expect(passwordStrength('alice2024', ['alice']).strong).toBe(false);
    expect(passwordStrength('Tr0ub!').tooShort).toBe(true);
    const good = passwordStrength('orbit lantern cactus violin');
    expect(good.strong).toBe(true);
    expect(good.score).toBeGreaterThanOrEqual(3);
  });
});
