/**
 * Which methods each registered path accepts, so a request to a known path with another method
 * gets 405 (with `Allow`) instead of 404. Filled from Fastify's `onRoute` hook. Also the list of
 * every registered route (`registeredRoutes(app)`), which the fuzz harness checks it covers.
 */
export interface RegisteredRoute {
  method: string;
  url: string;
}

const tables = new WeakMap<object, RouteTable>();

/** Every route registered on `app` (built by `buildServer`), HEAD routes included. */
export function registeredRoutes(app: object): RegisteredRoute[] {
  return tables.get(app)?.list() ?? [];
}

export class RouteTable {
  private readonly routes: { pattern: RegExp; methods: Set<string> }[] = [];
  private readonly byUrl = new Map<string, Set<string>>();

  add(method: string | string[], url: string): void {
    let methods = this.byUrl.get(url);
    if (!methods) {
      methods = new Set();
      this.byUrl.set(url, methods);
      this.routes.push({ pattern: patternOf(url), methods });
    }
    for (const m of Array.isArray(method) ? method : [method]) methods.add(m.toUpperCase());
  }

  /** Makes `registeredRoutes(app)` answer from this table. */
  attachTo(app: object): void {
    tables.set(app, this);
  }

  list(): RegisteredRoute[] {
    return [...this.byUrl].flatMap(([url, methods]) =>
      [...methods].sort().map((method) => ({ method, url })),
    );
  }

  /** Methods allowed for a concrete request path (no query), sorted; empty if none matches. */
  allowedMethods(path: string): string[] {
    const allowed = new Set<string>();
    for (const route of this.routes) {
      if (route.pattern.test(path)) for (const m of route.methods) allowed.add(m);
    }
    return [...allowed].sort();
  }
}

function patternOf(url: string): RegExp {
  const source = url
    .split('/')
    .map((segment) => {
      if (segment === '*') return '.*';
      if (segment.startsWith(':')) return '[^/]+';
      return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('/');
  return new RegExp(`^${source}$`);
}
