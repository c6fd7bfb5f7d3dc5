import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { isBackboneError } from '../src-shared/errors.js';
import {
  DEFAULT_BODY_LIMIT,
  defaultServerDataDir,
  resolveServerConfig,
  type ServeFlags,
} from './config.js';

function refused(flags: ServeFlags, env: NodeJS.ProcessEnv = {}): string {
  try {
    resolveServerConfig(flags, env);
  } catch (error) {
    if (isBackboneError(error, 'INVALID_ARGUMENT')) return error.message;
    throw error;
  }
  throw new Error('configuration was accepted');
}

describe('server configuration', () => {
  it('has safe defaults: loopback, port 8420, 256 KiB bodies, SQLite in a data directory', () => {
    const config = resolveServerConfig({}, { HOME: '/home/u' });
    expect(config).toMatchObject({
      host: '127.0.0.1',
      port: 8420,
      bodyLimit: DEFAULT_BODY_LIMIT,
      postgresUrl: undefined,
      trustProxy: false,
      metrics: true,
      logLevel: 'info',
      eventRetentionDays: 30,
    });
    expect(DEFAULT_BODY_LIMIT).toBe(256 * 1024);
    expect(config.dataDir).toBe(defaultServerDataDir(process.platform, { HOME: '/home/u' }));
  });

  it('default data directories follow each platform', () => {
    expect(defaultServerDataDir('linux', {}, '/home/u')).toBe(
      '/home/u/.local/share/backbone-server',
    );
    expect(defaultServerDataDir('linux', { XDG_DATA_HOME: '/x' }, '/home/u')).toBe(
      '/x/backbone-server',
    );
    expect(defaultServerDataDir('darwin', {}, '/Users/u')).toBe(
      '/Users/u/Library/Application Support/Backbone Server',
    );
    expect(defaultServerDataDir('win32', { LOCALAPPDATA: 'C:\\L' }, 'C:\\U')).toContain(
      'Backbone Server',
    );
  });

  it('reads environment variables, and flags win over them', () => {
    const env = {
      BACKBONE_HOST: '0.0.0.0',
      BACKBONE_PORT: '9000',
      BACKBONE_DATA: 'srv-data',
      BACKBONE_POSTGRES_URL: 'postgres://u:p@db:5432/backbone',
      BACKBONE_BODY_LIMIT: '1048576',
      BACKBONE_LOG_LEVEL: 'WARN',
      BACKBONE_TRUST_PROXY: 'yes',
      BACKBONE_RATE_LIMIT_IP: '100',
      BACKBONE_RATE_LIMIT_AUTH: '10',
      BACKBONE_RATE_LIMIT_ACCOUNT: '50',
      BACKBONE_REQUEST_TIMEOUT: '5000',
      BACKBONE_METRICS: '0',
    };
    const config = resolveServerConfig({}, env);
    expect(config).toMatchObject({
      host: '0.0.0.0',
      port: 9000,
      dataDir: path.resolve('srv-data'),
      postgresUrl: 'postgres://u:p@db:5432/backbone',
      bodyLimit: 1048576,
      logLevel: 'warn',
      trustProxy: true,
      rateLimit: { ipPerMinute: 100, authPerMinute: 10, accountPerMinute: 50 },
      requestTimeoutMs: 5000,
      metrics: false,
    });
    const flagged = resolveServerConfig({ port: '0', host: '::1', data: '/d', metrics: true }, env);
    expect(flagged).toMatchObject({ port: 0, host: '::1', dataDir: '/d', metrics: true });
    expect(resolveServerConfig({ host: '[::1]' }, {}).host).toBe('::1');
  });

  it('refuses bad values, naming the flag and the variable', () => {
    expect(refused({ port: '70000' })).toContain('--port or BACKBONE_PORT');
    expect(refused({ port: '-1' })).toContain('--port');
    expect(refused({}, { BACKBONE_PORT: '80abc' })).toContain('BACKBONE_PORT');
    expect(refused({ postgres: 'mysql://x' })).toContain('--postgres or BACKBONE_POSTGRES_URL');
    expect(refused({ postgres: 'not a url' })).toContain('postgres://');
    expect(refused({ bodyLimit: '10' })).toContain('--body-limit');
    expect(refused({ logLevel: 'loud' })).toContain('--log-level');
    expect(refused({}, { BACKBONE_TRUST_PROXY: 'maybe' })).toContain('BACKBONE_TRUST_PROXY');
    expect(refused({ host: 'a b' })).toContain('--host');
    expect(refused({ rateLimitIp: '0' })).toContain('--rate-limit-ip');
    expect(refused({ requestTimeout: '5' })).toContain('--request-timeout');
  });

  it('takes public URLs as origins, none by default (the listen address is always accepted)', () => {
    expect(resolveServerConfig({}, {}).publicUrls).toEqual([]);
    expect(
      resolveServerConfig(
        {},
        { BACKBONE_PUBLIC_URL: 'https://Backbone.example.org:443/, http://10.0.0.5:8420' },
      ).publicUrls,
    ).toEqual(['https://backbone.example.org', 'http://10.0.0.5:8420']);
    expect(resolveServerConfig({ publicUrl: 'https://a.example' }, {}).publicUrls).toEqual([
      'https://a.example',
    ]);
    expect(refused({ publicUrl: 'ftp://a.example' })).toContain(
      '--public-url or BACKBONE_PUBLIC_URL',
    );
    expect(refused({ publicUrl: 'https://a.example/?x=1' })).toContain('--public-url');
    expect(refused({ publicUrl: ' , ' })).toContain('--public-url');
  });

  it('takes a metrics token of 16 to 256 printable characters, none by default', () => {
    const env = {};
    expect(resolveServerConfig({}, env).metricsToken).toBeNull();
    const token = 'abcdefghijklmnop';
    expect(resolveServerConfig({}, { BACKBONE_METRICS_TOKEN: token }).metricsToken).toBe(token);
    expect(resolveServerConfig({ metricsToken: `${token}-flag` }, env).metricsToken).toBe(
      `${token}-flag`,
    );
    expect(refused({ metricsToken: 'short' })).toContain(
      '--metrics-token or BACKBONE_METRICS_TOKEN',
    );
    expect(refused({ metricsToken: 'has a space in it ok' })).toContain('--metrics-token');
  });

  it('reads the event retention in whole days from 1 to 3650', () => {
    expect(resolveServerConfig({ eventRetentionDays: '7' }, {}).eventRetentionDays).toBe(7);
    expect(
      resolveServerConfig({}, { BACKBONE_EVENT_RETENTION_DAYS: ' 3650 ' }).eventRetentionDays,
    ).toBe(3650);
    expect(
      resolveServerConfig({ eventRetentionDays: 1 }, { BACKBONE_EVENT_RETENTION_DAYS: '90' })
        .eventRetentionDays,
    ).toBe(1);
    expect(resolveServerConfig({}, { BACKBONE_EVENT_RETENTION_DAYS: '' }).eventRetentionDays).toBe(
      30,
    );
    for (const bad of ['0', '3651', '1.5', '-3', 'a week', '1e2']) {
      expect(refused({ eventRetentionDays: bad })).toBe(
        '--event-retention-days or BACKBONE_EVENT_RETENTION_DAYS must be a whole number from 1 to 3650.',
      );
    }
    expect(refused({}, { BACKBONE_EVENT_RETENTION_DAYS: '0' })).toContain(
      'BACKBONE_EVENT_RETENTION_DAYS',
    );
  });

  it('ignores empty environment variables', () => {
    expect(resolveServerConfig({}, { BACKBONE_PORT: '', BACKBONE_POSTGRES_URL: '' })).toMatchObject(
      { port: 8420, postgresUrl: undefined },
    );
  });
});
