/**
 * Scopes and token lifetimes: what a new token may do.
 *
 * A login token gets the scopes asked for (default: all); a derived token gets at most its
 * parent's scopes, the parent's workspace (if the parent has one), and expires no later than
 * its parent. Asking for more is refused (403 `SCOPE_NOT_ALLOWED`), never silently trimmed.
 */
import { TOKEN_DEFAULT_TTL_SECONDS, TOKEN_SCOPES, type Scope } from '../../src-shared/api/auth.js';
import { BackboneError } from '../../src-shared/errors.js';

export interface GrantRequest {
  scopes?: Scope[] | undefined;
  workspaceId?: string | undefined;
  ttlSeconds?: number | undefined;
}

export interface ResolvedGrant {
  scopes: Scope[];
  workspaceId: string | null;
  expiresAt: number;
}

/** Sorted in `TOKEN_SCOPES` order, without repeats. */
export function normalizeScopes(scopes: readonly string[]): Scope[] {
  const set = new Set(scopes);
  return TOKEN_SCOPES.filter((scope) => set.has(scope));
}

export function hasScopes(granted: readonly string[], required: readonly Scope[]): boolean {
  return required.every((scope) => granted.includes(scope));
}

/** The grant of a login token. */
export function resolveLoginGrant(request: GrantRequest, now: number): ResolvedGrant {
  return {
    scopes: normalizeScopes(request.scopes ?? TOKEN_SCOPES),
    workspaceId: request.workspaceId ?? null,
    expiresAt: now + (request.ttlSeconds ?? TOKEN_DEFAULT_TTL_SECONDS) * 1000,
  };
}

/** The grant of a token derived from `parent`; refuses anything wider or longer. */
export function resolveDerivedGrant(
  parent: { scopes: readonly string[]; workspaceId: string | null; expiresAt: number },
  request: GrantRequest,
  now: number,
): ResolvedGrant {
  const scopes = normalizeScopes(request.scopes ?? parent.scopes);
  const extra = scopes.filter((scope) => !parent.scopes.includes(scope));
  if (extra.length > 0) {
    throw new BackboneError(
      'SCOPE_NOT_ALLOWED',
      `A derived token cannot have scopes its parent lacks (${extra.join(', ')}).`,
    );
  }
  if (
    parent.workspaceId !== null &&
    request.workspaceId !== undefined &&
    request.workspaceId !== parent.workspaceId
  ) {
    throw new BackboneError(
      'SCOPE_NOT_ALLOWED',
      'A derived token is limited to the same workspace as its parent.',
    );
  }
  let expiresAt: number;
  if (request.ttlSeconds !== undefined) {
    expiresAt = now + request.ttlSeconds * 1000;
    if (expiresAt > parent.expiresAt) {
      throw new BackboneError(
        'SCOPE_NOT_ALLOWED',
        'A derived token cannot outlive its parent: ask for a shorter lifetime.',
      );
    }
  } else {
    expiresAt = Math.min(now + TOKEN_DEFAULT_TTL_SECONDS * 1000, parent.expiresAt);
  }
  return {
    scopes,
    workspaceId: request.workspaceId ?? parent.workspaceId,
    expiresAt,
  };
}
