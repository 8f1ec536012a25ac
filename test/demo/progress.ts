/**
 * The demo's narration on stdout: every line stamped with the seconds since the demo started,
 * step headers numbered, so a reader always sees where it is and how long each part took.
 */

/** `[  12.3s]`: seconds since the start, one decimal, right-aligned. */
export function formatStamp(elapsedMs: number): string {
  return `[${(Math.max(0, elapsedMs) / 1000).toFixed(1).padStart(6)}s]`;
}

export interface ProgressSink {
  write(text: string): unknown;
}

export interface Progress {
  /** A numbered step header (`==> Step 3/9: ...`). */
  step(title: string): void;
  /** One line of detail under the current step. */
  info(message: string): void;
  /** A block printed as is (tables, reports, YAML), indented by nothing. */
  block(text: string): void;
  elapsedMs(): number;
}

export function createProgress(
  out: ProgressSink,
  totalSteps: number,
  now: () => number = () => performance.now(),
  bold: (s: string) => string = (s) => s,
): Progress {
  const startedAt = now();
  let current = 0;
  const elapsedMs = (): number => now() - startedAt;
  return {
    step(title) {
      current++;
      out.write(
        `\n${formatStamp(elapsedMs())} ${bold(`==> Step ${current}/${totalSteps}: ${title}`)}\n`,
      );
    },
    info(message) {
      for (const line of message.split("\n"))
        out.write(`${formatStamp(elapsedMs())}     ${line}\n`);
    },
    block(text) {
      out.write(text.endsWith("\n") ? text : `${text}\n`);
    },
    elapsedMs,
  };
}
