/**
 * Small helpers shared by the store modules (not part of the public API).
 */
import { BackboneError, type ErrorCode } from '../errors.js';

/** Throws a typed store error. Messages never contain keys, values or paths. */
export function fail(code: ErrorCode, message: string, cause?: unknown): never {
  throw new BackboneError(code, message, cause === undefined ? undefined : { cause });
}

/** A deep copy of plain JSON data. */
export function cloneJson<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
