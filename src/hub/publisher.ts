// The one publish path: a client's publish command, the server's hub.publish and the HTTP
// API all come through here, so limits, permissions, interceptors and history apply alike.

import type { Broker } from '../broker/broker.js';
import type { ClientInfo, PublishResult } from '../wire/index.js';
import type { ChannelTarget } from './channel-target.js';
import type { Connection } from './connection.js';
import { encodeData } from './decode.js';
import { HubError } from './errors.js';
import { retentionOf } from './namespaces.js';
import type { ResolvedHubOptions } from './options.js';
import { authorizePublish } from './permissions.js';

/** Where a publication comes from: a client connection, the HTTP API, or server code. */
export type PublicationSource = 'client' | 'api' | 'server';

/** A publication accepted on this node, as a publish interceptor sees it. */
export interface InterceptedPublication {
  channel: string;
  /** JSON data, or a Uint8Array for a binary publication. */
  data: unknown;
  /**
   * The publishing client's info; undefined for the API and server code. Interceptors see it
   * whatever the namespace's `publisherInfo`, which only decides whether subscribers do.
   */
  info?: ClientInfo | undefined;
  source: PublicationSource;
  /** The tag given to hub.publish, if any (e.g. so a bridge recognises its own publications). */
  tag?: string | undefined;
}

/**
 * Sees every publication accepted on this node, after the permission and size checks and
 * before the broker publish. Throw a HubError to refuse it with that error.
 */
export type PublishInterceptor = (publication: InterceptedPublication) => void | Promise<void>;

export interface PublishRequest {
  target: ChannelTarget;
  data: unknown;
  source: PublicationSource;
  /** The publishing connection (source 'client'): the publish policy applies to it. */
  connection?: Connection;
  /** A client id that must not receive this publication. */
  excludeClient?: string | undefined;
  tag?: string | undefined;
}

export interface PublisherHost {
  readonly options: ResolvedHubOptions;
  readonly broker: Broker;
  publicationAccepted(): void;
}

export class Publisher {
  private interceptors: readonly PublishInterceptor[] = [];

  constructor(private readonly host: PublisherHost) {}

  addInterceptor(interceptor: PublishInterceptor): () => void {
    this.interceptors = [...this.interceptors, interceptor];
    return () => {
      this.interceptors = this.interceptors.filter((candidate) => candidate !== interceptor);
    };
  }

  async publish(request: PublishRequest): Promise<PublishResult> {
    const { target, connection } = request;
    const { name, namespace } = target;
    if (connection !== undefined) authorizePublish(connection, name, namespace);
    const { limits } = this.host.options;
    // Bytes travel as a JSON string of their base64 (the wire's `b64`); the limit counts the bytes.
    const binary = request.data instanceof Uint8Array;
    const size = binary ? (request.data as Uint8Array).byteLength : undefined;
    const encoded = binary ? `"${bytesToBase64(request.data as Uint8Array)}"` : encodeData(request.data, limits.maxJsonDepth);
    if ((size ?? Buffer.byteLength(encoded)) > limits.maxPublicationSize) {
      throw new HubError('messageTooLarge', 'publication data too large');
    }
    // Built only when someone reads it: an interceptor, or subscribers (publisherInfo).
    const wanted = namespace.publisherInfo || this.interceptors.length > 0;
    const info = wanted ? connection?.clientInfo(connection.subscriptions.get(name.channel)?.info.chanInfo) : undefined;
    // No interceptor (the common case) costs one length check, not an extra await.
    if (this.interceptors.length > 0) {
      const publication: InterceptedPublication = { channel: name.channel, data: request.data, info, source: request.source, tag: request.tag };
      for (const interceptor of this.interceptors) await interceptor(publication);
    }
    const retention = retentionOf(namespace);
    // The one place that decides whether a publication carries its publisher: what the
    // broker is not given, no push, history or recovery reply can carry.
    const carried = namespace.publisherInfo ? info : undefined;
    const position = await this.host.broker.publish(name.channel, encoded, {
      ...(retention === undefined ? {} : { history: retention }),
      ...(carried === undefined ? {} : { info: carried }),
      ...(request.excludeClient === undefined ? {} : { excludeClient: request.excludeClient }),
      ...(binary ? { binary: true as const } : {}),
    });
    this.host.publicationAccepted();
    return retention === undefined ? {} : { offset: position.offset, epoch: position.epoch };
  }
}

function bytesToBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}
