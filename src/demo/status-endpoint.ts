// The public, read-only status endpoint of the demo: connection, channel and message
// counts from the hub, as JSON. It shows figures only: no ids, names, channels or config.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Hub } from '../hub/hub.js';
import { pathOf, sendJson, sendText } from '../server/http-util.js';
import { STATUS_PATH, type DemoStatus, type StatusSample } from './protocol.js';

export interface StatusEndpointOptions {
  /** Path it answers. Default STATUS_PATH ('/demo/status'). */
  path?: string;
  /** How often the figures are sampled. Default 1000 ms. */
  sampleIntervalMs?: number;
  /** Samples kept and sent as `recent`. Default 60. */
  keepSamples?: number;
}

export interface StatusEndpoint {
  /** Answers GET/HEAD on its path and returns true; returns false for other paths. */
  handleRequest(req: IncomingMessage, res: ServerResponse): boolean;
  /** The figures as the endpoint would send them now. */
  status(): DemoStatus;
  stop(): void;
}

export function createStatusEndpoint(hub: Hub, options: StatusEndpointOptions = {}): StatusEndpoint {
  const path = options.path ?? STATUS_PATH;
  const interval = options.sampleIntervalMs ?? 1_000;
  const keep = options.keepSamples ?? 60;
  const startedAt = Date.now();
  const recent: StatusSample[] = [];
  // The rate is the difference of the publication counter across one whole interval, so
  // every poller sees the same figure however often it asks.
  let lastCount = hub.stats.publications;
  let lastAt = startedAt;
  let rate = 0;
  const timer = setInterval(() => {
    const now = Date.now();
    const count = hub.stats.publications;
    rate = now > lastAt ? ((count - lastCount) * 1_000) / (now - lastAt) : 0;
    lastCount = count;
    lastAt = now;
    recent.push(sample(now));
    if (recent.length > keep) recent.shift();
  }, interval);
  timer.unref();

  const sample = (at: number): StatusSample => ({
    at,
    connections: hub.connectionCount,
    channels: hub.channelCount,
    messagesPerSecond: Math.round(rate * 10) / 10,
  });
  const status = (): DemoStatus => {
    const now = Date.now();
    return {
      ...sample(now),
      publications: hub.stats.publications,
      uptimeSeconds: Math.floor((now - startedAt) / 1_000),
      recent: [...recent],
    };
  };

  return {
    status,
    stop: () => clearInterval(timer),
    handleRequest(req, res) {
      if (pathOf(req) !== path) return false;
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        sendText(res, 405, 'Method Not Allowed\n', { allow: 'GET, HEAD' });
        return true;
      }
      sendJson(res, 200, status(), { 'cache-control': 'no-store' });
      return true;
    },
  };
}
