import { describe, expect, it } from 'vitest';
import { TOKEN_SCOPES } from '../../src-shared/api/auth.js';
import { isBackboneError } from '../../src-shared/errors.js';
import { hasScopes, normalizeScopes, resolveDerivedGrant, resolveLoginGrant } from './scopes.js';

const HOUR = 3600_000;

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return isBackboneError(error) ? error.code : 'other';
  }
  return undefined;
}

describe('scopes', () => {
  it('normalizes to the canonical order without repeats', () => {
    expect(normalizeScopes(['STORE_USE', 'IDENTITY_READ', 'STORE_USE'])).toEqual([
      'IDENTITY_READ',
      'STORE_USE',
    ]);
    expect(normalizeScopes(['NOT_A_SCOPE'])).toEqual([]);
    expect(hasScopes(['A', 'B'], [])).toBe(true);
    expect(hasScopes(['TOKEN_READ'], ['TOKEN_READ', 'TOKEN_MANAGE'])).toBe(false);
  });

  it('a login token gets every scope for 24 h unless asked otherwise', () => {
    expect(resolveLoginGrant({}, 1000)).toEqual({
      scopes: [...TOKEN_SCOPES],
      workspaceId: null,
      expiresAt: 1000 + 24 * HOUR,
    });
    expect(resolveLoginGrant({ scopes: ['ROOT'], workspaceId: 'w', ttlSeconds: 60 }, 0)).toEqual({
      scopes: ['ROOT'],
      workspaceId: 'w',
      expiresAt: 60_000,
    });
  });

  it('a derived token is at most its parent', () => {
    const parent = { scopes: ['TOKEN_READ', 'STORE_USE'], workspaceId: null, expiresAt: 2 * HOUR };
    expect(resolveDerivedGrant(parent, {}, 0)).toEqual({
      scopes: ['TOKEN_READ', 'STORE_USE'],
      workspaceId: null,
      expiresAt: 2 * HOUR, // capped by the parent, not 24 h
    });
    expect(resolveDerivedGrant(parent, { scopes: ['STORE_USE'], workspaceId: 'w' }, 0)).toEqual({
      scopes: ['STORE_USE'],
      workspaceId: 'w',
      expiresAt: 2 * HOUR,
    });
    expect(code(() => resolveDerivedGrant(parent, { scopes: ['ROOT'] }, 0))).toBe(
      'SCOPE_NOT_ALLOWED',
    );
    expect(code(() => resolveDerivedGrant(parent, { ttlSeconds: 7201 }, 0))).toBe(
      'SCOPE_NOT_ALLOWED',
    );
    expect(resolveDerivedGrant(parent, { ttlSeconds: 7200 }, 0).expiresAt).toBe(2 * HOUR);
    const scoped = { ...parent, workspaceId: 'w1' };
    expect(code(() => resolveDerivedGrant(scoped, { workspaceId: 'w2' }, 0))).toBe(
      'SCOPE_NOT_ALLOWED',
    );
    expect(resolveDerivedGrant(scoped, {}, 0).workspaceId).toBe('w1');
  });
});
