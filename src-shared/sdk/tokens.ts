/**
 * `client.token`: the identity's bearer tokens (docs/design.md §2, docs/server.md "Tokens").
 *
 * - `current()`: the token in use.
 * - `list()`: every active token of the identity (needs TOKEN_READ).
 * - `derive(options)`: a narrower, shorter token from the one in use (for a script, another
 *   process): same or fewer scopes, same workspace, expiring no later. Its secret is returned
 *   once and not kept by the client.
 * - `revoke(id)`: revokes a token and those derived from it (`current` revokes the one in use).
 */
import {
  currentTokenResponseSchema,
  publicIdSchema,
  revokeTokenResponseSchema,
  tokenListResponseSchema,
  tokenResponseSchema,
  type Scope,
  type TokenInfo,
} from '../api/auth.js';
import { API_VERSION } from '../api/common.js';
import { BackboneError } from '../errors.js';
import type { ClientContext } from './client-context.js';

export interface DeriveTokenOptions {
  scopes?: Scope[];
  workspaceId?: string;
  ttlSeconds?: number;
  label?: string;
}

export class TokenApi {
  constructor(private readonly ctx: ClientContext) {}

  async current(): Promise<TokenInfo> {
    const answer = await this.ctx.authorized((token) =>
      this.ctx.http.request('GET', '/v1/auth/tokens/current', {
        schema: currentTokenResponseSchema,
        token,
        expect: 200,
      }),
    );
    return answer.info;
  }

  async list(): Promise<TokenInfo[]> {
    const answer = await this.ctx.authorized((token) =>
      this.ctx.http.request('GET', '/v1/auth/tokens', {
        schema: tokenListResponseSchema,
        token,
        expect: 200,
      }),
    );
    return answer.tokens;
  }

  async derive(options: DeriveTokenOptions = {}): Promise<{ token: string; info: TokenInfo }> {
    const answer = await this.ctx.authorized((token) =>
      this.ctx.http.request('POST', '/v1/auth/tokens', {
        schema: tokenResponseSchema,
        body: {
          v: API_VERSION,
          ...(options.scopes ? { scopes: options.scopes } : {}),
          ...(options.workspaceId ? { workspaceId: options.workspaceId } : {}),
          ...(options.ttlSeconds ? { ttlSeconds: options.ttlSeconds } : {}),
          ...(options.label ? { label: options.label } : {}),
        },
        token,
        expect: 201,
      }),
    );
    return { token: answer.token, info: answer.info };
  }

  /** Revokes a token by id (or `"current"`); returns how many tokens were revoked. */
  async revoke(tokenId: string): Promise<{ id: string; revoked: number }> {
    const isCurrent = tokenId === 'current';
    if (!isCurrent && !publicIdSchema.safeParse(tokenId).success) {
      throw new BackboneError('INVALID_ARGUMENT', 'A token id is 22 base64url characters.');
    }
    const answer = await this.ctx.authorized((token) =>
      this.ctx.http.request('DELETE', `/v1/auth/tokens/${tokenId}`, {
        schema: revokeTokenResponseSchema,
        token,
        expect: 200,
      }),
    );
    if (isCurrent) await this.ctx.forgetToken();
    return { id: answer.id, revoked: answer.revoked };
  }
}
