import { LoggerService } from '@nestjs/common';

export type CapturedLevel = 'fatal' | 'error' | 'warn' | 'log' | 'debug' | 'verbose';

export interface CapturedLogEntry {
  level: CapturedLevel;
  /** The message and any further arguments but the context, as text (an Error as its stack). */
  text: string;
}

function asText(value: unknown): string {
  if (value instanceof Error) return value.stack ?? value.message;
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/**
 * A Nest logger that keeps every entry whatever LOG_LEVEL says, for tests that assert what a service
 * logs and at which level: `app.useLogger(logs)` sends every Nest Logger of the process to it.
 */
export class CapturedLogs implements LoggerService {
  readonly entries: CapturedLogEntry[] = [];

  fatal(message: unknown, ...rest: unknown[]): void {
    this.add('fatal', message, rest);
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.add('error', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.add('warn', message, rest);
  }
  log(message: unknown, ...rest: unknown[]): void {
    this.add('log', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.add('debug', message, rest);
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    this.add('verbose', message, rest);
  }

  /** Entries at `error` or `fatal`. */
  errors(): CapturedLogEntry[] {
    return this.entries.filter((entry) => entry.level === 'error' || entry.level === 'fatal');
  }

  /** Entries carrying a stack trace, at any level. */
  withStack(): CapturedLogEntry[] {
    return this.entries.filter((entry) => /\n\s+at /.test(entry.text));
  }

  clear(): void {
    this.entries.length = 0;
  }

  // Nest passes the logger's context as the last argument; a stack may come before it.
  private add(level: CapturedLevel, message: unknown, rest: unknown[]): void {
    const text = [message, ...rest.slice(0, -1)].map(asText).join('\n');
    this.entries.push({ level, text });
  }
}
