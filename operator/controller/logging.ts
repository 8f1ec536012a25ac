/**
 * JSON logs to stdout, one object per line ({component, level, message, ...fields, timestamp},
 * as winston's json format wrote them); one logger per process, passed down explicitly. Written
 * here rather than with winston: its module graph cost the operator ~5 MiB of RSS for four
 * methods. Logging never throws: a field that cannot be serialized is written as text.
 */
import type { LogLevel } from "./config.js";
import type { LogFields, Logger } from "./runtime/logger.js";

/** npm's levels, as winston ranks them: a logger at level L writes L and everything above it. */
const RANK: Record<LogLevel, number> = {
  error: 0,
  warn: 1,
  info: 2,
  http: 3,
  verbose: 4,
  debug: 5,
  silly: 6,
};

export interface LogSink {
  write(line: string): unknown;
}

function value(v: unknown): unknown {
  if (v instanceof Error) return v.stack ?? v.message;
  if (typeof v === "bigint") return v.toString();
  return v;
}

function line(level: string, message: string, fields: LogFields | undefined, now: Date): string {
  const entry: Record<string, unknown> = { component: "diagnose-operator", level, message };
  for (const [k, v] of Object.entries(fields ?? {}))
    if (k !== "level" && k !== "message") entry[k] = value(v);
  entry.timestamp = now.toISOString();
  try {
    return `${JSON.stringify(entry)}\n`;
  } catch {
    for (const [k, v] of Object.entries(entry))
      if (typeof v === "object" && v !== null) entry[k] = String(v);
    return `${JSON.stringify(entry)}\n`;
  }
}

export function createOperatorLogger(
  level: LogLevel,
  sink: LogSink = process.stdout,
  clock: () => Date = () => new Date(),
): Logger {
  const max = RANK[level];
  const at =
    (name: "error" | "warn" | "info" | "debug") =>
    (message: string, fields?: LogFields): void => {
      if (RANK[name] > max) return;
      sink.write(line(name, message, fields, clock()));
    };
  return { error: at("error"), warn: at("warn"), info: at("info"), debug: at("debug") };
}
