import { describe, expect, it } from 'vitest';
import { isBackboneError } from '../errors.js';
import {
  PERMISSIONS,
  PermissionSetSchema,
  has,
  isCanonicalPermissions,
  normalizePermissions,
  samePermissions,
  subset,
} from './permissions.js';

describe('permissions', () => {
  it('ROOT implies every permission; others imply only themselves', () => {
    for (const p of PERMISSIONS) expect(has(['ROOT'], p)).toBe(true);
    expect(has(['USER_MANAGE'], 'USER_MANAGE')).toBe(true);
    expect(has(['USER_MANAGE'], 'STORE_USE')).toBe(false);
    expect(has(['USER_MANAGE', 'STORE_USE', 'STORE_SHARE'], 'ROOT')).toBe(false);
    expect(has([], 'STORE_USE')).toBe(false);
  });

  it('subset follows has', () => {
    expect(subset([], [])).toBe(true);
    expect(subset(['STORE_USE', 'STORE_SHARE'], ['ROOT'])).toBe(true);
    expect(subset(['ROOT'], ['USER_MANAGE', 'STORE_USE', 'STORE_SHARE'])).toBe(false);
    expect(subset(['USER_MANAGE'], ['USER_MANAGE', 'STORE_USE'])).toBe(true);
    expect(subset(['USER_MANAGE', 'STORE_SHARE'], ['USER_MANAGE', 'STORE_USE'])).toBe(false);
  });

  it('normalizes to one canonical form and refuses unknown names', () => {
    expect(normalizePermissions(['STORE_SHARE', 'ROOT', 'STORE_SHARE'])).toEqual([
      'ROOT',
      'STORE_SHARE',
    ]);
    expect(normalizePermissions([])).toEqual([]);
    let thrown: unknown;
    try {
      normalizePermissions(['ADMIN']);
    } catch (error) {
      thrown = error;
    }
    expect(isBackboneError(thrown, 'INVALID_ARGUMENT')).toBe(true);
  });

  it('the set schema accepts only canonical arrays', () => {
    expect(PermissionSetSchema.safeParse(['ROOT', 'STORE_USE']).success).toBe(true);
    expect(PermissionSetSchema.safeParse([]).success).toBe(true);
    expect(PermissionSetSchema.safeParse(['STORE_USE', 'ROOT']).success).toBe(false);
    expect(PermissionSetSchema.safeParse(['ROOT', 'ROOT']).success).toBe(false);
    expect(PermissionSetSchema.safeParse(['root']).success).toBe(false);
    expect(PermissionSetSchema.safeParse('ROOT').success).toBe(false);
    expect(isCanonicalPermissions(['USER_MANAGE', 'STORE_USE'])).toBe(true);
  });

  it('compares sets', () => {
    expect(samePermissions(['ROOT'], ['ROOT'])).toBe(true);
    expect(samePermissions(['STORE_USE'], ['STORE_SHARE'])).toBe(false);
    expect(samePermissions([], ['STORE_USE'])).toBe(false);
  });
});
