import type { ServerResponse } from 'node:http';

/** What a route handler gets: the request's path parameters and query, and the response to write. */
export interface RouteRequest<Deps> {
  deps: Deps;
  /** The request path without trailing slashes (`/` for the root). */
  path: string;
  /** Named groups of the route's pattern (URI-encoded as in the path; absent optional groups are undefined). */
  params: Readonly<Record<string, string | undefined>>;
  query: URLSearchParams;
  res: ServerResponse;
}

/** One route: a path (exact string, or a pattern with named groups matched against the whole path) and its handler. */
export interface Route<Deps> {
  path: string | RegExp;
  handler: (request: RouteRequest<Deps>) => Promise<void> | void;
}

/** The matched route and its path parameters. */
export interface RouteMatch<Deps> {
  route: Route<Deps>;
  params: Record<string, string | undefined>;
}

/**
 * The first route of `routes` matching `path`, in table order, with the named groups of its pattern; undefined
 * when none does. Patterns must be anchored (`^...$`).
 *
 * @example
 * matchRoute([{ path: /^\/devices\/(?<id>[a-z0-9-]+)$/, handler }], '/devices/ev-1'); // params { id: 'ev-1' }
 */
export function matchRoute<Deps>(routes: readonly Route<Deps>[], path: string): RouteMatch<Deps> | undefined {
  for (const route of routes) {
    if (typeof route.path === 'string') {
      if (route.path === path) return { route, params: {} };
      continue;
    }
    const match = route.path.exec(path);
    if (match) return { route, params: { ...match.groups } };
  }
  return undefined;
}
