import { RepeatedFailureLog } from './repeated-failure-log';

/** A log whose summary timers fire only when the test says an interval has passed. */
function failureLog() {
  const lines: string[] = [];
  let due: (() => void)[] = [];
  const log = new RepeatedFailureLog(
    { error: (line: string) => lines.push(line) },
    { intervalMs: 10_000, schedule: (callback) => due.push(callback) },
  );
  const intervalPasses = () => {
    const firing = due;
    due = [];
    for (const callback of firing) callback();
  };
  return { log, lines, intervalPasses, pendingTimers: () => due.length };
}

class DatabaseError extends Error {
  override readonly name = 'DatabaseError';
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

const hasStack = (line: string) => /\n\s+at /.test(line);

describe('RepeatedFailureLog', () => {
  it('logs the first failure with its stack, then one line per interval counting the repeats', () => {
    const { log, lines, intervalPasses } = failureLog();

    for (let n = 1; n <= 482; n++) log.record('internal_error', new Error(`refused ${n}`));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^internal_error: Error: refused 1\n/);
    expect(hasStack(lines[0])).toBe(true);

    intervalPasses();
    expect(lines).toHaveLength(2);
    expect(lines[1]).toBe('internal_error x 481 more in the last 10 s: refused 482');

    log.record('internal_error', new Error('refused again'));
    intervalPasses();
    expect(lines.slice(2)).toEqual(['internal_error x 1 more in the last 10 s: refused again']);
  });

  it('forgets a kind after a quiet interval, so its next failure is logged in full', () => {
    const { log, lines, intervalPasses, pendingTimers } = failureLog();
    log.record('internal_error', new Error('first outage'));
    intervalPasses();
    expect(lines).toHaveLength(1);
    expect(pendingTimers()).toBe(0);

    log.record('internal_error', new Error('second outage'));
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/^internal_error: Error: second outage\n/);
    expect(hasStack(lines[1])).toBe(true);
  });

  it('keeps kinds apart by what failed, error class and code', () => {
    const { log, lines, intervalPasses } = failureLog();
    log.record('internal_error', new DatabaseError('terminating connection', '57P01'));
    log.record('internal_error', new DatabaseError('connect ECONNREFUSED', 'ECONNREFUSED'));
    log.record('internal_error', new TypeError('x is undefined'));
    log.record('fan-out failed', new TypeError('x is undefined'));
    expect(lines).toHaveLength(4);
    expect(lines.every(hasStack)).toBe(true);

    log.record('internal_error', new DatabaseError('terminating connection', '57P01'));
    log.record('internal_error', new DatabaseError('terminating connection', '57P01'));
    intervalPasses();
    expect(lines.slice(4)).toEqual([
      'internal_error x 2 more in the last 10 s: terminating connection',
    ]);
  });

  it('logs what was thrown when it is not an Error', () => {
    const { log, lines } = failureLog();
    log.record('internal_error', 'a string');
    log.record('internal_error', 'another string');
    expect(lines).toEqual(['internal_error: a string']);
  });
});
