/**
 * JSON logs to stdout through winston ({component, level, message, ...fields, timestamp} per
 * line); one logger per process, passed down explicitly as runtime/logger.ts's Logger, which
 * winston's logger fits.
 */
import type { Writable } from "node:stream";
import winston from "winston";
import type { LogLevel } from "./config.js";
import type { Logger } from "./runtime/logger.js";

export function createOperatorLogger(level: LogLevel, stream?: Writable): Logger {
  return winston.createLogger({
    level,
    format: winston.format.combine(
      winston.format.timestamp(),
      winston.format.errors({ stack: true }),
      winston.format.json(),
    ),
    defaultMeta: { component: "diagnose-operator" },
    transports: [
      stream ? new winston.transports.Stream({ stream }) : new winston.transports.Console(),
    ],
  });
}
