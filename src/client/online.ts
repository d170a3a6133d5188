// The browser's `online` event: when the network comes back, a client waiting out its
// backoff tries at once. Elsewhere (Node) there is no such event and this does nothing.

interface EventTargetLike {
  addEventListener?(type: string, listener: () => void): void;
  removeEventListener?(type: string, listener: () => void): void;
}

/** Calls `onOnline` on each `online` event; returns the function that stops listening. */
export function watchOnline(onOnline: () => void): () => void {
  const target = globalThis as EventTargetLike;
  if (typeof target.addEventListener !== 'function') return () => {};
  target.addEventListener('online', onOnline);
  return () => target.removeEventListener?.('online', onOnline);
}
