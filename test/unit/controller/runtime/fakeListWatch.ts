import type {
  ListPage,
  ListWatch,
  WatchEventType,
  WatchStream,
} from "../../../../operator/controller/runtime/informer.js";

export interface FakeObj {
  metadata: { name: string; namespace?: string; resourceVersion: string };
  data?: string;
}

interface OpenWatch {
  resourceVersion: string;
  onEvent: (type: WatchEventType, obj: unknown) => void;
  onDone: (err: unknown) => void;
  stopped: boolean;
}

/** An in-memory API server for one resource: a world of objects, lists, and scripted watches. */
export class FakeListWatch implements ListWatch {
  private rv = 100;
  readonly world = new Map<string, FakeObj>();
  readonly watches: OpenWatch[] = [];
  lists = 0;
  /** Errors the next list() calls throw, in order. */
  listErrors: unknown[] = [];
  /** Errors the next watch() calls reject with, in order. */
  watchErrors: unknown[] = [];

  /** Change the world; returns the object as a watch would deliver it. */
  put(name: string, data: string): FakeObj {
    const obj = { metadata: { name, namespace: "ns", resourceVersion: String(++this.rv) }, data };
    this.world.set(name, obj);
    return obj;
  }

  remove(name: string): FakeObj {
    const old = this.world.get(name);
    if (!old) throw new Error(`no ${name}`);
    this.world.delete(name);
    return { ...old, metadata: { ...old.metadata, resourceVersion: String(++this.rv) } };
  }

  current(): OpenWatch {
    const w = this.watches.at(-1);
    if (!w || w.stopped) throw new Error("no open watch");
    return w;
  }

  async list<T>(_signal: AbortSignal, decode: (raw: unknown) => T): Promise<ListPage<T>> {
    this.lists++;
    const err = this.listErrors.shift();
    if (err) throw err;
    return {
      items: [...this.world.values()].map((o) => decode(structuredClone(o))),
      resourceVersion: String(this.rv),
    };
  }

  async watch(
    resourceVersion: string,
    onEvent: (type: WatchEventType, obj: unknown) => void,
    onDone: (err: unknown) => void,
  ): Promise<WatchStream> {
    const err = this.watchErrors.shift();
    if (err) throw err;
    const w: OpenWatch = { resourceVersion, onEvent, onDone, stopped: false };
    this.watches.push(w);
    return {
      stop: () => {
        w.stopped = true;
      },
    };
  }

  /** Deliver an event on the open watch. */
  emit(type: WatchEventType, obj: unknown): void {
    this.current().onEvent(type, structuredClone(obj));
  }

  /** End the open watch as the server or the network would. */
  end(err: unknown = null): void {
    const w = this.current();
    w.stopped = true;
    w.onDone(err);
  }
}

export async function waitFor(cond: () => boolean, what: string, timeoutMs = 2000): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}
