/**
 * When each benchmark event was sent and when its effects were seen, keyed by pod name: the
 * watch callbacks stamp arrivals, the sender stamps the send. Pure bookkeeping.
 */

export type Stage = "floor" | "diagnosis" | "job";

export interface EventTiming {
  sentAt: number;
  seen: Partial<Record<Stage, number>>;
}

/** `<pod>-oom-<window>` (the trigger's deterministic name) -> `<pod>`. */
export function podOfTriggeredDiagnosis(name: string): string | undefined {
  const m = /^(.*)-oom-\d+$/.exec(name);
  return m?.[1];
}

export class EventTimes {
  private readonly events = new Map<string, EventTiming>();
  private waiters: Array<() => void> = [];
  private cancelled = false;

  sent(pod: string, at: number): void {
    this.events.set(pod, { sentAt: at, seen: {} });
  }

  /** Records the first sighting of `stage` for `pod`, if an event for it is pending. */
  seen(pod: string, stage: Stage, at: number): void {
    const e = this.events.get(pod);
    if (!e || e.seen[stage] !== undefined) return;
    e.seen[stage] = at;
    this.wake();
  }

  /** Every waitFor, now and later, returns false at once (the bench was interrupted). */
  cancel(): void {
    this.cancelled = true;
    this.wake();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  has(pod: string, stage: Stage): boolean {
    return this.events.get(pod)?.seen[stage] !== undefined;
  }

  /** Resolves when every stage in `stages` was seen for `pod`, or false at the deadline. */
  async waitFor(pod: string, stages: readonly Stage[], timeoutMs: number): Promise<boolean> {
    const deadline = performance.now() + timeoutMs;
    while (!stages.every((s) => this.has(pod, s))) {
      if (this.cancelled) return false;
      const left = deadline - performance.now();
      if (left <= 0) return false;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return true;
  }

  /**
   * Per event that reached both: when `stage` was seen minus when `base` was (ms). With base
   * "floor", the operator's own share of each event: everything after the update was visible
   * to any watcher.
   */
  share(stage: Stage, base: Stage): number[] {
    const out: number[] = [];
    for (const e of this.events.values()) {
      const a = e.seen[stage];
      const b = e.seen[base];
      if (a !== undefined && b !== undefined) out.push(a - b);
    }
    return out;
  }

  /** Latencies (ms) of `stage` over the events that reached it; and how many did not. */
  latencies(stage: Stage): { values: number[]; missed: number } {
    const values: number[] = [];
    let missed = 0;
    for (const e of this.events.values()) {
      const at = e.seen[stage];
      if (at === undefined) missed++;
      else values.push(at - e.sentAt);
    }
    return { values, missed };
  }
}
