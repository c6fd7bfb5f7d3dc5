/**
 * Store access bits carried by grants (docs/design.md §4).
 *
 * - `READ`: read values and names. The only cryptographic bit: it comes with the wrapped key.
 * - `WRITE`: write entries and create (non-isolated) namespaces.
 * - `DELETE`: delete entries and namespaces.
 * - `EJECT`: take access away — revoke other people's grants and create isolated namespaces.
 *
 * WRITE, DELETE and EJECT are enforced by the server and re-checked by every client from the
 * signed grants. A set of bits travels as an array in canonical form (no duplicates, in the order
 * of `ACCESS_BITS`), like membership permissions, so each set has one signed representation.
 */
import { z } from 'zod';
import { fail } from './internal.js';

export const ACCESS_BITS = ['READ', 'WRITE', 'DELETE', 'EJECT'] as const;
export const AccessBitSchema = z.enum(ACCESS_BITS);
export type AccessBit = z.infer<typeof AccessBitSchema>;

export const ALL_ACCESS: readonly AccessBit[] = Object.freeze([...ACCESS_BITS]);

export const ACCESS_DESCRIPTIONS: Readonly<Record<AccessBit, string>> = Object.freeze({
  READ: 'Read values and names',
  WRITE: 'Write values and create folders',
  DELETE: 'Delete values and folders',
  EJECT: 'Take access away from others and create isolated folders',
});

function rank(bit: AccessBit): number {
  return ACCESS_BITS.indexOf(bit);
}

export function isCanonicalAccess(list: readonly AccessBit[]): boolean {
  for (let i = 1; i < list.length; i++) {
    if (rank(list[i - 1]!) >= rank(list[i]!)) return false;
  }
  return true;
}

/** A canonical, non-empty set of access bits (what a grant carries). */
export const AccessSetSchema = z
  .array(AccessBitSchema)
  .min(1)
  .max(ACCESS_BITS.length)
  .refine(isCanonicalAccess, {
    message: 'access bits must be unique and in the order READ, WRITE, DELETE, EJECT',
  });

/** The canonical form of a list of access bits. */
export function normalizeAccess(list: Iterable<string>): AccessBit[] {
  const set = new Set<AccessBit>();
  for (const item of list) {
    const parsed = AccessBitSchema.safeParse(item);
    if (!parsed.success) {
      fail(
        'INVALID_ARGUMENT',
        `"${String(item).slice(0, 20)}" is not an access bit. Use ${ACCESS_BITS.join(', ')}.`,
      );
    }
    set.add(parsed.data);
  }
  return ACCESS_BITS.filter((bit) => set.has(bit));
}

export function hasAccess(held: readonly AccessBit[], bit: AccessBit): boolean {
  return held.includes(bit);
}

/** True if every bit of `wanted` is in `held`. */
export function holdsAll(held: readonly AccessBit[], wanted: readonly AccessBit[]): boolean {
  return wanted.every((bit) => held.includes(bit));
}

/** The union of several sets, canonical. */
export function unionAccess(...sets: ReadonlyArray<readonly AccessBit[]>): AccessBit[] {
  const all = new Set<AccessBit>();
  for (const set of sets) for (const bit of set) all.add(bit);
  return ACCESS_BITS.filter((bit) => all.has(bit));
}
