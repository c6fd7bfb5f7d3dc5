/**
 * Signed statements (docs/design.md §0): everything Backbone signs is a statement
 * `{kind, v, body, sig}` whose signed bytes are
 *
 *     UTF-8("backbone/<kind>/v<N>\n") ‖ UTF-8(JCS(body))
 *
 * with JCS = RFC 8785 canonical JSON (the `canonicalize` package) and `sig` = Ed25519 detached
 * signature, base64url without padding. The kind and version are inside the signed bytes, so a
 * signature made for one kind (or version) never verifies as another.
 *
 * - kind: `^[a-z][a-z0-9.-]*$`, at most 64 characters (e.g. `device.cert`).
 * - v: a whole number ≥ 1.
 * - body: plain JSON only — null, booleans, finite numbers, well-formed strings, arrays without
 *   holes, plain objects; no `undefined`, NaN, ±Infinity, functions, class instances (Date…),
 *   lone UTF-16 surrogates; nesting depth ≤ 64. Anything else is refused (`STATEMENT_INVALID`)
 *   rather than silently dropped or converted by JSON serialization.
 */
import canonicalize from 'canonicalize';
import { z } from 'zod';
import { BackboneError } from '../errors.js';
import { concatBytes, fromBase64Url, toBase64Url, utf8 } from './encoding.js';
import { SIGNATURE_BYTES, signDetached, verifyDetached } from './sign.js';
import type { SignKeyPair, SignPublicKey } from './types.js';

export type JsonValue =
  null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export const STATEMENT_KIND_PATTERN = /^[a-z][a-z0-9.-]*$/;
export const STATEMENT_KIND_MAX_LENGTH = 64;
export const STATEMENT_MAX_DEPTH = 64;

export interface SignedStatement<B extends JsonValue = JsonValue> {
  kind: string;
  v: number;
  body: B;
  /** Ed25519 signature, base64url without padding (86 characters). */
  sig: string;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Returns a description of the first non-JSON part of `value`, or null if it is plain JSON. */
export function findNonJson(value: unknown, path = 'body', depth = 0): string | null {
  if (depth > STATEMENT_MAX_DEPTH) return `${path} is nested too deeply`;
  if (value === null || typeof value === 'boolean') return null;
  if (typeof value === 'number') return Number.isFinite(value) ? null : `${path} is not finite`;
  if (typeof value === 'string') {
    return LONE_SURROGATE.test(value) ? `${path} is not well-formed Unicode text` : null;
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      if (!(i in value)) return `${path}[${i}] is missing`;
      const problem = findNonJson(value[i], `${path}[${i}]`, depth + 1);
      if (problem) return problem;
    }
    return null;
  }
  if (typeof value === 'object') {
    const proto = Object.getPrototypeOf(value) as unknown;
    if (proto !== Object.prototype && proto !== null) return `${path} is not a plain object`;
    if (Object.getOwnPropertySymbols(value).length > 0) return `${path} has symbol keys`;
    for (const [key, item] of Object.entries(value)) {
      if (LONE_SURROGATE.test(key)) return `a key in ${path} is not well-formed Unicode text`;
      const problem = findNonJson(item, `${path}.${key}`, depth + 1);
      if (problem) return problem;
    }
    return null;
  }
  return `${path} is ${value === undefined ? 'undefined' : `a ${typeof value}`}`;
}

function checkKind(kind: unknown): string {
  if (
    typeof kind !== 'string' ||
    kind.length > STATEMENT_KIND_MAX_LENGTH ||
    !STATEMENT_KIND_PATTERN.test(kind)
  ) {
    throw new BackboneError(
      'STATEMENT_INVALID',
      'A statement kind must be lowercase letters, digits, "." or "-", starting with a letter.',
    );
  }
  return kind;
}

function checkVersion(version: unknown): number {
  if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 1) {
    throw new BackboneError('STATEMENT_INVALID', 'A statement version must be a whole number ≥ 1.');
  }
  return version;
}

/** RFC 8785 canonical JSON text of a plain-JSON value (refuses anything that is not JSON). */
export function canonicalJson(value: unknown): string {
  const problem = findNonJson(value, 'value');
  if (problem) {
    throw new BackboneError('STATEMENT_INVALID', `Only plain JSON can be signed: ${problem}.`);
  }
  const text = canonicalize(value);
  if (typeof text !== 'string') {
    throw new BackboneError('STATEMENT_INVALID', 'This value has no canonical JSON form.');
  }
  return text;
}

/** The exact bytes that are signed: `"backbone/<kind>/v<N>\n" ‖ JCS(body)`. */
export function statementSigningBytes(kind: string, version: number, body: unknown): Uint8Array {
  checkKind(kind);
  checkVersion(version);
  const problem = findNonJson(body);
  if (problem) {
    throw new BackboneError(
      'STATEMENT_INVALID',
      `A statement body must be plain JSON: ${problem}.`,
    );
  }
  return concatBytes(utf8(`backbone/${kind}/v${version}\n`), utf8(canonicalJson(body)));
}

/** zod schema of a statement as it travels (shape only; `verifyStatement` checks the rest). */
export const SignedStatementSchema = z.strictObject({
  kind: z.string().max(STATEMENT_KIND_MAX_LENGTH).regex(STATEMENT_KIND_PATTERN),
  v: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
  body: z.custom<JsonValue>((value) => findNonJson(value) === null, {
    message: 'body must be plain JSON',
  }),
  sig: z
    .string()
    .length(86)
    .regex(/^[A-Za-z0-9_-]+$/),
});

/** Signs `body` as a statement of `kind`, version `version`. */
export function signStatement<B extends JsonValue>(
  kind: string,
  version: number,
  body: B,
  signKeyPair: SignKeyPair,
): SignedStatement<B> {
  const bytes = statementSigningBytes(kind, version, body);
  const sig = signDetached(bytes, signKeyPair.secretKey);
  // Keep a deep copy of the body as signed, so later changes by the caller cannot desync it.
  const copy = JSON.parse(canonicalJson(body)) as B;
  return { kind, v: version, body: copy, sig: toBase64Url(sig) };
}

/** Checks the shape of an untrusted statement (e.g. parsed from the network). */
export function parseStatement(value: unknown): SignedStatement {
  const result = SignedStatementSchema.safeParse(value);
  if (!result.success) {
    throw new BackboneError(
      'STATEMENT_INVALID',
      `This signed statement is malformed (${result.error.issues[0]?.path.join('.') || 'shape'}).`,
    );
  }
  return result.data;
}

/**
 * Verifies an untrusted statement: shape, then kind (`STATEMENT_INVALID` if it differs), version
 * (`UNSUPPORTED_VERSION` if it differs), then the signature by `signPk`
 * (`CRYPTO_BAD_SIGNATURE`). With `bodySchema`, the body is then parsed with it
 * (`STATEMENT_INVALID` if it does not match). Returns the body.
 */
export function verifyStatement(
  statement: unknown,
  expectedKind: string,
  expectedVersion: number,
  signPk: SignPublicKey,
): JsonValue;
export function verifyStatement<S extends z.ZodType>(
  statement: unknown,
  expectedKind: string,
  expectedVersion: number,
  signPk: SignPublicKey,
  bodySchema: S,
): z.output<S>;
export function verifyStatement(
  statement: unknown,
  expectedKind: string,
  expectedVersion: number,
  signPk: SignPublicKey,
  bodySchema?: z.ZodType,
): unknown {
  checkKind(expectedKind);
  checkVersion(expectedVersion);
  const parsed = parseStatement(statement);
  if (parsed.kind !== expectedKind) {
    throw new BackboneError(
      'STATEMENT_INVALID',
      `Expected a signed "${expectedKind}" statement but got "${parsed.kind}".`,
    );
  }
  if (parsed.v !== expectedVersion) {
    throw new BackboneError(
      'UNSUPPORTED_VERSION',
      `This "${parsed.kind}" statement has version ${parsed.v}; this app understands version ${expectedVersion}. Update Backbone if it is newer.`,
    );
  }
  let sig: Uint8Array;
  try {
    sig = fromBase64Url(parsed.sig);
  } catch (cause) {
    throw new BackboneError(
      'STATEMENT_INVALID',
      'The statement signature is not valid base64url.',
      {
        cause,
      },
    );
  }
  if (sig.length !== SIGNATURE_BYTES) {
    throw new BackboneError('STATEMENT_INVALID', 'The statement signature has the wrong length.');
  }
  const bytes = statementSigningBytes(parsed.kind, parsed.v, parsed.body);
  if (!verifyDetached(sig, bytes, signPk)) {
    throw new BackboneError(
      'CRYPTO_BAD_SIGNATURE',
      `The signature on this "${parsed.kind}" statement is not valid: it was changed or signed by someone else.`,
    );
  }
  if (!bodySchema) return parsed.body;
  const body = bodySchema.safeParse(parsed.body);
  if (!body.success) {
    throw new BackboneError(
      'STATEMENT_INVALID',
      `The "${parsed.kind}" statement is signed correctly but its content is malformed (${body.error.issues[0]?.path.join('.') || 'body'}).`,
    );
  }
  return body.data;
}
