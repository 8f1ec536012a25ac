/**
 * What the runtime and the controllers log through: a message and structured fields, at four
 * levels. winston's Logger fits it (tests hand one in); the operator's own is logging.ts's.
 */
export type LogFields = Record<string, unknown>;

export interface Logger {
  error(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  debug(message: string, fields?: LogFields): void;
}
