/** Several single-namespace informers seen as one cache (Pods with --watch-namespaces). */
import { type IndexFunc, type ObjectKey, splitObjectKey } from "./contracts.js";
import type { Informer, InformerHandler } from "./informer.js";
import type { HasMetadata } from "./objectStore.js";

export class InformerGroup<T extends HasMetadata> {
  private readonly byNamespace: Map<string, Informer<T>>;

  constructor(
    readonly name: string,
    informers: ReadonlyMap<string, Informer<T>>,
  ) {
    this.byNamespace = new Map(informers);
  }

  addHandler(handler: InformerHandler<T>): void {
    for (const inf of this.byNamespace.values()) inf.addHandler(handler);
  }

  get(key: ObjectKey): T | undefined {
    const ns = splitObjectKey(key).namespace;
    return ns === undefined ? undefined : this.byNamespace.get(ns)?.get(key);
  }

  recordWrite(raw: unknown): void {
    const ns = (raw as HasMetadata | undefined)?.metadata?.namespace;
    if (ns !== undefined) this.byNamespace.get(ns)?.recordWrite(raw);
  }

  list(namespace?: string): T[] {
    if (namespace !== undefined) return this.byNamespace.get(namespace)?.list(namespace) ?? [];
    return [...this.byNamespace.values()].flatMap((inf) => inf.list());
  }

  addIndex(name: string, fn: IndexFunc<T>): void {
    for (const inf of this.byNamespace.values()) inf.addIndex(name, fn);
  }

  byIndex(name: string, value: string): T[] {
    return [...this.byNamespace.values()].flatMap((inf) => inf.byIndex(name, value));
  }

  /** The least recent of its informers' (the one that has been silent longest). */
  lastActivityAt(): number {
    return Math.min(...[...this.byNamespace.values()].map((inf) => inf.lastActivityAt()));
  }

  hasSynced(): boolean {
    return [...this.byNamespace.values()].every((inf) => inf.hasSynced());
  }

  start(): void {
    for (const inf of this.byNamespace.values()) inf.start();
  }

  async waitForSync(): Promise<void> {
    await Promise.all([...this.byNamespace.values()].map((inf) => inf.waitForSync()));
  }

  async stop(): Promise<void> {
    await Promise.all([...this.byNamespace.values()].map((inf) => inf.stop()));
  }
}
