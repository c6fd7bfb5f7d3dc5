/** The CLI's exit codes (docs/cli.md) and its test-only switch. */
import { describe, expect, it } from 'vitest';
import { BackboneError } from '../src-shared/errors.js';
import { ServerError } from '../src-shared/sdk/http.js';
import { VerificationError } from '../src-shared/sdk/workspaces.js';
import { CliContext, CliError, EXIT, exitCodeFor, weakKdfForTests } from './context.js';

describe('exit codes and the test-only switch', () => {
  it('maps errors to the documented exit codes', () => {
    expect(exitCodeFor(new CliError(EXIT.USAGE, 'x'))).toBe(2);
    expect(exitCodeFor(new BackboneError('INVALID_ARGUMENT', 'x'))).toBe(2);
    expect(exitCodeFor(new BackboneError('KEYFILE_WRONG_PASSWORD', 'x'))).toBe(3);
    expect(exitCodeFor(new ServerError('FORBIDDEN', 'x', 403, 'FORBIDDEN'))).toBe(3);
    expect(exitCodeFor(new ServerError('NOT_FOUND', 'x', 404, 'NOT_FOUND'))).toBe(4);
    expect(exitCodeFor(new ServerError('INVALID_REQUEST', 'x', 409, 'SOMETHING_NEW'))).toBe(5);
    expect(exitCodeFor(new BackboneError('MEMBERSHIP_INVALID', 'x'))).toBe(5);
    expect(exitCodeFor(new VerificationError('MEMBERSHIP_INVALID', 'x'))).toBe(6);
    expect(exitCodeFor(new BackboneError('MEMBERSHIP_FORK', 'x'))).toBe(6);
    expect(exitCodeFor(new BackboneError('SERVER_UNREACHABLE', 'x'))).toBe(7);
    expect(exitCodeFor(new Error('boom'))).toBe(1);
  });

  it('honours BACKBONE_TEST_WEAK_KDF only with NODE_ENV=test', () => {
    expect(weakKdfForTests({ BACKBONE_TEST_WEAK_KDF: '1', NODE_ENV: 'test' })).toBe(true);
    expect(weakKdfForTests({ BACKBONE_TEST_WEAK_KDF: '1', NODE_ENV: 'production' })).toBe(false);
    expect(weakKdfForTests({ BACKBONE_TEST_WEAK_KDF: '1' })).toBe(false);
    expect(weakKdfForTests({ NODE_ENV: 'test' })).toBe(false);
  });

  it('refuses a remote server over plain http:// without --insecure-http', async () => {
    const env = { HOME: '/nonexistent-home' };
    const remote = 'http://backbone.example.org:8420';
    const refused = await new CliContext({ server: remote, home: '/nonexistent' }, env)
      .serverUrl()
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(CliError);
    expect(exitCodeFor(refused)).toBe(EXIT.USAGE);
    expect((refused as Error).message).toMatch(/--insecure-http/);
    const allowed = new CliContext(
      { server: remote, home: '/nonexistent', insecureHttp: true },
      env,
    );
    expect(await allowed.serverUrl()).toBe(remote);
    expect(allowed.httpOptions().allowInsecureHttp).toBe(true);
    // loopback and https need nothing
    for (const server of ['http://127.0.0.1:8420', 'https://backbone.example.org']) {
      expect(await new CliContext({ server, home: '/nonexistent' }, env).serverUrl()).toBe(server);
    }
    expect(exitCodeFor(new BackboneError('INSECURE_TRANSPORT', 'x'))).toBe(EXIT.USAGE);
    expect(exitCodeFor(new BackboneError('SERVER_PROOF_INVALID', 'x'))).toBe(EXIT.VERIFICATION);
  });
});
