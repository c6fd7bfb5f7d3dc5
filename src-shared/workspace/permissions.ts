/**
 * Workspace endpoint permissions (docs/design.md §3).
 *
 * - `ROOT`: full control of the workspace. ROOT **implies every other permission**; only a ROOT
 *   member can grant ROOT, change a ROOT member's permissions or remove a ROOT member. At least
 *   one ROOT member remains at all times.
 * - `USER_MANAGE`: may add, re-permission and remove members and rotate the naming key, but only
 *   for members whose permissions (before and after the change) it holds itself (see
 *   `docs/membership.md`, "Rules").
 * - `STORE_USE`: may read and write the store (subject to namespace grants).
 * - `STORE_SHARE`: may grant namespaces and entries to others.
 *
 * A permission set travels as an array in canonical form: no duplicates, in the order of
 * `PERMISSIONS`. Non-canonical arrays are refused by `PermissionSetSchema` so that every set has
 * exactly one signed representation; build sets with `normalizePermissions`.
 */
import { z } from 'zod';
import { BackboneError } from '../errors.js';

export const PERMISSIONS = ['ROOT', 'USER_MANAGE', 'STORE_USE', 'STORE_SHARE'] as const;

export const PermissionSchema = z.enum(PERMISSIONS);
export type Permission = z.infer<typeof PermissionSchema>;

/** Short human descriptions, for the UI and the CLI. */
export const PERMISSION_DESCRIPTIONS: Readonly<Record<Permission, string>> = Object.freeze({
  ROOT: 'Full control of the workspace, including other administrators',
  USER_MANAGE: 'Add and remove members with no more rights than their own',
  STORE_USE: 'Read and write the shared store',
  STORE_SHARE: 'Share namespaces and entries with other members',
});

function rank(permission: Permission): number {
  return PERMISSIONS.indexOf(permission);
}

/** True if `list` has no duplicates and follows the order of `PERMISSIONS`. */
export function isCanonicalPermissions(list: readonly Permission[]): boolean {
  for (let i = 1; i < list.length; i++) {
    if (rank(list[i - 1]!) >= rank(list[i]!)) return false;
  }
  return true;
}

/** A permission set (array, canonical form only). */
export const PermissionSetSchema = z
  .array(PermissionSchema)
  .max(PERMISSIONS.length)
  .refine(isCanonicalPermissions, {
    message:
      'permissions must be unique and in the order ROOT, USER_MANAGE, STORE_USE, STORE_SHARE',
  });

/** The canonical form of a list of permissions (duplicates removed, canonical order). */
export function normalizePermissions(list: Iterable<string>): Permission[] {
  const set = new Set<Permission>();
  for (const item of list) {
    const parsed = PermissionSchema.safeParse(item);
    if (!parsed.success) {
      throw new BackboneError(
        'INVALID_ARGUMENT',
        `"${String(item).slice(0, 40)}" is not a permission. Use ${PERMISSIONS.join(', ')}.`,
      );
    }
    set.add(parsed.data);
  }
  return PERMISSIONS.filter((permission) => set.has(permission));
}

/** True if a holder of `permissions` has `permission` (ROOT implies every permission). */
export function has(permissions: readonly Permission[], permission: Permission): boolean {
  return permissions.includes('ROOT') || permissions.includes(permission);
}

/**
 * True if every permission in `permissions` is held by a holder of `superset` (ROOT implies every
 * permission). Used for "nobody grants what they do not hold" and to scope tokens.
 */
export function subset(
  permissions: readonly Permission[],
  superset: readonly Permission[],
): boolean {
  return permissions.every((permission) => has(superset, permission));
}

/** True if the two sets are equal (as sets). */
export function samePermissions(a: readonly Permission[], b: readonly Permission[]): boolean {
  return a.length === b.length && a.every((permission) => b.includes(permission));
}
