import { pino, type Bindings, type ChildLoggerOptions, type DestinationStream, type Logger, type LevelWithSilent } from "pino";
import { redactSecrets } from "./redact";

export type { Logger } from "pino";

export type LogLevel = LevelWithSilent;

export interface CreateLoggerOptions {
  name: string;
  level?: LogLevel;
  /** Where JSON lines go; stdout when omitted. */
  destination?: DestinationStream;
}

export function createLogger({ name, level = "info", destination }: CreateLoggerOptions): Logger {
  const options = {
    name,
    level,
    timestamp: pino.stdTimeFunctions.isoTime,
    // Errors were already serialised (and redacted) by the log formatter; serialising again would lose their type.
    serializers: { err: keepSerialised, error: keepSerialised },
    formatters: {
      level: (label: string) => ({ level: label }),
      bindings: (bindings: Record<string, unknown>) => redactSecrets(bindings) as Record<string, unknown>,
      log: (object: Record<string, unknown>) => redactSecrets(object) as Record<string, unknown>,
    },
  };
  const logger = destination ? pino(options, destination) : pino(options);
  // pino bypasses formatters.bindings for children, so their bindings are redacted here; children are
  // created with Object.create(parent), so every descendant inherits this method.
  const child = logger.child;
  logger.child = function (this: Logger, bindings: Bindings, childOptions?: ChildLoggerOptions) {
    return Reflect.apply(child, this, [redactSecrets(bindings), childOptions]) as Logger;
  } as unknown as Logger["child"];
  return logger;
}

function keepSerialised(value: unknown): unknown {
  return value instanceof Error ? redactSecrets(value) : value;
}

export interface LogContext {
  tenantId?: string;
  requestId?: string;
  [key: string]: unknown;
}

/** A child logger whose every line carries the tenant and request it works for. */
export function withContext(logger: Logger, context: LogContext): Logger {
  const bindings = Object.fromEntries(Object.entries(context).filter(([, value]) => value !== undefined));
  return logger.child(bindings);
}
