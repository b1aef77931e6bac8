import { Logger } from '@nestjs/common';

/** Where the log goes: Nest's Logger in services, a recording fake in tests. */
export type FailureLogger = Pick<Logger, 'error'>;

/** Runs `callback` once, `ms` from now. Tests pass one whose callbacks they run by hand. */
export type ScheduleSummary = (callback: () => void, ms: number) => void;

export interface RepeatedFailureLogOptions {
  /** How long repeats are counted before one line reports them. */
  intervalMs?: number;
  schedule?: ScheduleSummary;
}

const DEFAULT_INTERVAL_MS = 10_000;

// Unref'd: a pending summary never holds a process open.
const scheduleUnref: ScheduleSummary = (callback, ms) => {
  setTimeout(callback, ms).unref();
};

interface Repeats {
  kind: string;
  count: number;
  latest: string;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Failures of one kind, error class and code (ECONNREFUSED, a PostgreSQL SQLSTATE) repeat each other. */
function keyOf(kind: string, error: unknown): string {
  if (!(error instanceof Error)) return kind;
  const { code } = error as { code?: unknown };
  return `${kind}\0${error.name}\0${typeof code === 'string' ? code : ''}`;
}

/**
 * Logs a failure that can repeat once per request or frame (a database outage fails every one) without
 * flooding the log: the first of a kind with its stack, then one line per interval counting the
 * repeats, with the latest message. A kind that did not repeat for a whole interval is forgotten, so
 * its next failure is logged in full again.
 */
export class RepeatedFailureLog {
  private readonly repeats = new Map<string, Repeats>();
  private readonly intervalMs: number;
  private readonly schedule: ScheduleSummary;

  constructor(
    private readonly logger: FailureLogger,
    options: RepeatedFailureLogOptions = {},
  ) {
    this.intervalMs = options.intervalMs ?? DEFAULT_INTERVAL_MS;
    this.schedule = options.schedule ?? scheduleUnref;
  }

  /** `kind` says what failed (`internal_error`); it starts every line logged for it. */
  record(kind: string, error: unknown): void {
    const key = keyOf(kind, error);
    const repeats = this.repeats.get(key);
    if (repeats) {
      repeats.count++;
      repeats.latest = messageOf(error);
      return;
    }
    this.logger.error(
      `${kind}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    );
    this.repeats.set(key, { kind, count: 0, latest: '' });
    this.schedule(() => this.summarize(key), this.intervalMs);
  }

  private summarize(key: string): void {
    const repeats = this.repeats.get(key);
    if (!repeats) return;
    if (repeats.count === 0) {
      this.repeats.delete(key);
      return;
    }
    this.logger.error(
      `${repeats.kind} x ${repeats.count} more in the last ${this.intervalMs / 1000} s: ${repeats.latest}`,
    );
    repeats.count = 0;
    this.schedule(() => this.summarize(key), this.intervalMs);
  }
}
