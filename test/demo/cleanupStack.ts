/**
 * Undo actions registered as the demo makes things (control plane, operator, cgroups, netns,
 * processes), run newest first exactly once: at the end, on failure, on Ctrl-C/SIGTERM or at the
 * overall deadline, whichever comes first. One slow or failing action never blocks the rest.
 */

export interface CleanupOutcome {
  label: string;
  ok: boolean;
  ms: number;
  error?: string;
}

interface Action {
  label: string;
  run: () => Promise<unknown> | unknown;
}

export class CleanupStack {
  private readonly actions: Action[] = [];
  private running: Promise<CleanupOutcome[]> | undefined;
  private readonly late: Promise<CleanupOutcome>[] = [];
  private readonly urgent: (() => void)[] = [];

  constructor(
    private readonly timeoutMs = 30_000,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /**
   * Registers an undo action; it runs before every action registered earlier. Once cleanup has
   * started (a step still in flight made something after Ctrl-C), it runs at once instead.
   */
  defer(label: string, run: () => Promise<unknown> | unknown): void {
    if (this.running) this.late.push(this.runOne({ label, run }));
    else this.actions.push({ label, run });
  }

  /**
   * A synchronous action for the very start of an interrupt, before other signal handlers run
   * (e.g. kill a process that holds connections the next handler would wait on).
   */
  deferUrgent(run: () => void): void {
    this.urgent.push(run);
  }

  /** Runs the urgent actions now, once; errors are ignored (the ordered cleanup follows). */
  runUrgent(): void {
    for (const run of this.urgent.splice(0).reverse()) {
      try {
        run();
      } catch {
        // the ordered cleanup reports what is left
      }
    }
  }

  /** Outcomes of the actions deferred after cleanup started, once they are done. */
  settleLate(): Promise<CleanupOutcome[]> {
    return Promise.all(this.late);
  }

  get size(): number {
    return this.actions.length;
  }

  get started(): boolean {
    return this.running !== undefined;
  }

  /** Runs every action newest first; a second call returns the first call's outcome. */
  runAll(onDone?: (o: CleanupOutcome) => void): Promise<CleanupOutcome[]> {
    this.running ??= this.runInOrder(onDone);
    return this.running;
  }

  private async runInOrder(onDone?: (o: CleanupOutcome) => void): Promise<CleanupOutcome[]> {
    const outcomes: CleanupOutcome[] = [];
    for (const action of [...this.actions].reverse()) {
      const outcome = await this.runOne(action);
      outcomes.push(outcome);
      onDone?.(outcome);
    }
    return outcomes;
  }

  private async runOne(action: Action): Promise<CleanupOutcome> {
    const started = this.now();
    let timer: NodeJS.Timeout | undefined;
    const outcome: CleanupOutcome = { label: action.label, ok: true, ms: 0 };
    try {
      await Promise.race([
        Promise.resolve().then(action.run),
        new Promise((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`gave up after ${this.timeoutMs} ms`)),
            this.timeoutMs,
          );
        }),
      ]);
    } catch (err) {
      outcome.ok = false;
      outcome.error = err instanceof Error ? err.message : String(err);
    } finally {
      clearTimeout(timer);
    }
    outcome.ms = Math.round(this.now() - started);
    return outcome;
  }
}
