// What `volley serve` adds to its VolleyServer: routes that also list their addresses.

import type { ServerRoute } from '../server/routes.js';

/** One address a route serves, for the start-up message and the page listing them. */
export interface Endpoint {
  kind: 'http' | 'ws';
  path: string;
  description: string;
}

export interface ServeRoute extends ServerRoute {
  readonly endpoints: readonly Endpoint[];
}
