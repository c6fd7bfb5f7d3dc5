/**
 * The fuzz harness at a small size inside `npm test` (fixed seed, ~300 cases over every entry
 * point), plus the check that every route the server registers has a generator. The full run:
 * `npm run fuzz` (docs/testing.md).
 */
import { describe, expect, it } from 'vitest';
import { cryptoReady } from '../src-shared/crypto/index.js';
import { registeredRoutes } from '../src-server/http/route-table.js';
import { startTestServer } from '../src-server/test/harness.js';
import { useTestBackendsOutsideVitest } from './server/backends.js';
import { runSuites } from './harness.js';
import { ROUTE_FUZZ, routeKey, uncoveredRoutes } from './server/http.js';
import { SUITES } from './suites.js';

describe('fuzz harness', () => {
  it('has a generator for every route the server registers, and none for a route it lacks', async () => {
    await cryptoReady();
    const server = await startTestServer(useTestBackendsOutsideVitest().sqlite);
    try {
      const routes = registeredRoutes(server.app);
      expect(routes.length).toBeGreaterThan(20);
      expect(uncoveredRoutes(routes)).toEqual([]);
      // A route added later is uncovered until it gets an entry.
      expect(uncoveredRoutes([...routes, { method: 'POST', url: '/v1/new/:thing' }])).toEqual([
        'POST /v1/new/:thing',
      ]);
      const keys = new Set(routes.map(routeKey));
      expect(Object.keys(ROUTE_FUZZ).filter((key) => !keys.has(key))).toEqual([]);
    } finally {
      await server.close();
    }
  });

  it('runs ~300 hostile cases over every entry point with no failure', async () => {
    const lines: string[] = [];
    const result = await runSuites(SUITES, {
      runs: 300,
      seed: 20261203,
      postgres: false,
      only: [],
      log: (line) => lines.push(line),
    });
    expect(
      result.failures.map((f) => f.failure),
      lines.join('\n'),
    ).toEqual([]);
    expect(result.results.length).toBeGreaterThanOrEqual(80);
    expect(result.results.every((r) => r.runs >= 1)).toBe(true);
  }, 180_000);
});
