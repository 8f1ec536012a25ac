/**
 * Keys sent from outside the informers (controller-runtime's source.Channel): work a reconciler
 * started off its own path (a batched write) hands keys back to be reconciled again. A
 * controller that does not run drops them, as it drops informer events: its next start replays
 * the caches anyway.
 */
import type { ObjectKey } from "./contracts.js";

export class KeyChannel {
  private readonly subscribers: Array<(keys: ObjectKey[]) => void> = [];

  send(keys: ObjectKey[]): void {
    for (const s of this.subscribers) s(keys);
  }

  subscribe(fn: (keys: ObjectKey[]) => void): void {
    this.subscribers.push(fn);
  }
}
