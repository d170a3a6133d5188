// What the node that holds a session does with it, whether the HTTP request came in here or
// was routed from another node: open a session, attach a response to it, feed a POST.

import type { Hub } from '../hub/hub.js';
import { refusals, type TransportError } from './http-answers.js';
import type { Downstream, HttpSession } from './http-session.js';
import { pollFormat } from './poll-format.js';
import type { SessionCaps } from './session-caps.js';
import { newSessionId } from './session-id.js';
import type { SessionRegistry } from './session-registry.js';
import { sseFormat } from './sse-format.js';
import { streamFormat } from './stream-format.js';
import type { WireFormat } from './wire-format.js';

export const FORMATS: Readonly<Record<WireFormat['transport'], WireFormat>> = {
  sse: sseFormat,
  'http-stream': streamFormat,
  'long-polling': pollFormat,
};

export interface AttachRequest {
  session: string;
  transport: WireFormat['transport'];
  ack: number | undefined;
  /** `close=1`: the client ends the session after these commands. */
  close?: boolean;
}

export interface PostRequest {
  session: string;
  commands: string[];
  ack: number | undefined;
  /** `close=1`: the client ends the session after these commands. */
  close?: boolean;
}

export class SessionService {
  constructor(
    private readonly hub: Hub,
    readonly registry: SessionRegistry,
    readonly caps: SessionCaps,
    readonly nodeId: string,
  ) {}

  /** A new session, announced on `downstream`; `livenessMs`: the client's promise of a request that often (0: none). */
  open(format: WireFormat, downstream: Downstream, remoteAddress: string, livenessMs = 0): HttpSession | TransportError {
    const release = this.caps.take(remoteAddress);
    if (typeof release !== 'function') return release;
    const session = this.registry.create(newSessionId(this.nodeId), format, release);
    session.expectClientEvery(livenessMs);
    session.bind(this.hub.connect(session));
    session.attach(downstream, undefined, true);
    return session;
  }

  /** Attaches a response to a session held here (a resume, or the next poll). */
  attach(request: AttachRequest, downstream: Downstream): TransportError | undefined {
    const session = this.registry.get(request.session);
    if (session === undefined) return refusals.unknownSession();
    if (session.transport !== request.transport) return refusals.badRequest(`the session uses ${session.transport}`);
    const refused = session.attach(downstream, request.ack, false);
    if (refused === 'ended') return refusals.unknownSession();
    if (refused === 'ack-ahead') return refusals.badRequest('ack is ahead of what was sent');
    return undefined;
  }

  /** Feeds a POST's commands to a session held here, in order. */
  post(request: PostRequest): TransportError | undefined {
    const session = this.registry.get(request.session);
    // A closed session only waits for its resume to deliver the close: it takes no more commands.
    if (session === undefined || session.isEnded || session.isClosed) return refusals.unknownSession();
    if (request.close !== true && !session.takePostToken()) return refusals.tooManyPosts();
    session.heard();
    if (request.ack !== undefined) session.acknowledge(request.ack);
    session.receive(request.commands);
    if (request.close === true) session.endByClient();
    return undefined;
  }

  /** Lets go of a response that went away. */
  detach(sessionId: string, downstream: Downstream): void {
    this.registry.get(sessionId)?.detach(downstream);
  }
}
