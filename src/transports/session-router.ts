// How the HTTP front reaches sessions held by other nodes (ClusterRouter implements it).

import type { ServerResponse } from 'node:http';
import type { TransportError } from './http-answers.js';
import type { AttachRequest, PostRequest } from './session-service.js';

export interface SessionRouter {
  post(owner: string, request: PostRequest): Promise<TransportError | undefined>;
  /** Relays the owner's session to `res`; resolves with the refusal, or undefined once attached. */
  attach(owner: string, request: AttachRequest, res: ServerResponse, headers: Record<string, string>): Promise<TransportError | undefined>;
}
