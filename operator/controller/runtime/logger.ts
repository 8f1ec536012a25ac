/**
 * What the runtime and the controllers log through: a message and structured fields, at four
 * levels, so the code does not depend on one library. The operator's is winston's, from
 * logging.ts; tests hand in any.
 */
export type LogFields = Record<string, unknown>;

export interface Logger {
  error(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  debug(message: string, fields?: LogFields): void;
}
