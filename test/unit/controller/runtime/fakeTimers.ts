import type { Timers } from "../../../../operator/controller/runtime/timers.js";

/** Manual clock: time moves only through advance(), which runs due callbacks in order. */
export class FakeTimers implements Timers {
  private t = 0;
  private nextId = 1;
  private tasks: Array<{ id: number; at: number; fn: () => void }> = [];

  now(): number {
    return this.t;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.tasks.push({ id, at: this.t + Math.max(0, ms), fn });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.tasks = this.tasks.filter((task) => task.id !== handle);
  }

  pending(): number {
    return this.tasks.length;
  }

  /** Advance by ms, running every callback due on the way (in deadline order). */
  advance(ms: number): void {
    const target = this.t + ms;
    for (;;) {
      const due = this.tasks
        .filter((task) => task.at <= target)
        .sort((a, b) => a.at - b.at || a.id - b.id)[0];
      if (!due) break;
      this.tasks = this.tasks.filter((task) => task !== due);
      this.t = due.at;
      due.fn();
    }
    this.t = target;
  }
}
