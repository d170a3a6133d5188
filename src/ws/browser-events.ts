// The browser's event API of a WebSocket (addEventListener, removeEventListener and the
// onopen/onmessage/onerror/onclose properties), built on its Node-style events. A socket
// creates this only when the API is first used, so an idle connection carries none of it.

import { CloseEvent, ErrorEvent, MessageEvent, WsEvent, type WsEventListener } from './events.js';

export type BrowserEventType = 'open' | 'message' | 'error' | 'close';

/** A browser-style MessageEvent's data: a string for text, and for binary what `binaryType` asks for. */
export type MessageData = string | Buffer | ArrayBuffer | Blob;

export type BinaryType = 'nodebuffer' | 'arraybuffer' | 'blob';

type Wrapper = (...args: any[]) => void;

/** What the adapter needs of its socket (the event target handlers see). */
export interface BrowserEventSource {
  on(type: BrowserEventType, listener: Wrapper): unknown;
  off(type: BrowserEventType, listener: Wrapper): unknown;
  readonly binaryType: BinaryType;
}

/** What the adapter needs of the connection behind it. */
export interface CloseInfo {
  /** Whether the close frames went both ways (CloseEvent.wasClean). */
  readonly wasClean: boolean;
}

/** A message's data as MessageEvent.data carries it (binaryType applied). */
export function messageData(data: Buffer, isBinary: boolean, binaryType: BinaryType): MessageData {
  if (!isBinary) return data.toString();
  switch (binaryType) {
    case 'arraybuffer':
      return data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer;
    case 'blob':
      return new Blob([data as Uint8Array<ArrayBuffer>]);
    default:
      return data;
  }
}

export class BrowserEvents {
  private readonly source: BrowserEventSource;
  private readonly closeInfo: CloseInfo;
  private readonly handlers = new Map<BrowserEventType, { user: unknown; wrapped: Wrapper }>();
  private readonly listeners = new Map<BrowserEventType, Map<unknown, Wrapper>>();

  constructor(source: BrowserEventSource, closeInfo: CloseInfo) {
    this.source = source;
    this.closeInfo = closeInfo;
  }

  add(type: BrowserEventType, listener: WsEventListener<any>, options?: { once?: boolean }): void {
    if (!listener) return;
    const byListener = this.listeners.get(type) ?? new Map<unknown, Wrapper>();
    this.listeners.set(type, byListener);
    if (byListener.has(listener)) return;
    let wrapped = this.wrap(type, listener);
    if (options?.once) {
      const inner = wrapped;
      wrapped = (...args: any[]) => {
        this.remove(type, listener);
        inner(...args);
      };
    }
    byListener.set(listener, wrapped);
    this.source.on(type, wrapped);
  }

  remove(type: BrowserEventType, listener: WsEventListener<any>): void {
    const wrapped = this.listeners.get(type)?.get(listener);
    if (!wrapped) return;
    this.listeners.get(type)!.delete(listener);
    this.source.off(type, wrapped);
  }

  /** The on<type> property: at most one handler per type; anything but a function clears it. */
  setHandler(type: BrowserEventType, handler: unknown): void {
    const current = this.handlers.get(type);
    if (current) this.source.off(type, current.wrapped);
    this.handlers.delete(type);
    if (typeof handler !== 'function') return;
    const wrapped = this.wrap(type, handler as WsEventListener);
    this.handlers.set(type, { user: handler, wrapped });
    this.source.on(type, wrapped);
  }

  getHandler(type: BrowserEventType): unknown {
    return this.handlers.get(type)?.user ?? null;
  }

  /** Turns a Node-style event's arguments into the browser's event object for `listener`. */
  private wrap(type: BrowserEventType, listener: WsEventListener<any>): Wrapper {
    const source = this.source;
    const closeInfo = this.closeInfo;
    const call = (event: WsEvent) => {
      if (typeof listener === 'function') listener.call(source, event);
      else listener.handleEvent(event);
    };
    switch (type) {
      case 'message':
        return (data: Buffer, isBinary: boolean) => call(new MessageEvent<MessageData>(source, messageData(data, isBinary, source.binaryType)));
      case 'close':
        return (code: number, reason: Buffer) => call(new CloseEvent(source, code, reason.toString(), closeInfo.wasClean));
      case 'error':
        return (err: Error) => call(new ErrorEvent(source, err));
      default:
        return () => call(new WsEvent(type, source));
    }
  }
}
