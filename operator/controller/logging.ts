/** JSON logs to stdout through winston; one logger per process, passed down explicitly. */
import type { Writable } from "node:stream";
import winston from "winston";
import type { LogLevel } from "./config.js";

export function createOperatorLogger(level: LogLevel, stream?: Writable): winston.Logger {
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
