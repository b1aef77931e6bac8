/** What one event changed about a connection, worth one log line; `null` when nothing changed. */
export type ConnectionChange =
  | { kind: 'lost'; reason: string }
  | { kind: 'unreachable'; reason: string }
  | { kind: 'recovered'; downForMs: number }
  | null;

/**
 * The state of one Redis connection, fed its `error`, `close` and `ready` events. An outage emits an
 * error and a close per reconnect attempt; this turns them into one `lost` (or `unreachable` for a
 * connection that was never ready) and, when the connection is ready again, one `recovered`.
 */
export class ConnectionHealth {
  private phase: 'connecting' | 'up' | 'down' = 'connecting';
  private lastError: string | null = null;
  private downSince = 0;
  private announced = false;

  get isUp(): boolean {
    return this.phase === 'up';
  }

  get isDown(): boolean {
    return this.phase === 'down';
  }

  /** Why the connection is not up: the last error seen, else the close itself. */
  get reason(): string {
    return this.lastError ?? 'connection closed';
  }

  /** An `error` event: kept as the reason of the close that follows it. */
  failed(message: string): void {
    this.lastError = message;
  }

  /** A `close` event. `quiet` (while the service starts) leaves the report to the start itself. */
  closed(now: number, quiet = false): ConnectionChange {
    if (this.phase === 'down') return null;
    const wasUp = this.phase === 'up';
    this.phase = 'down';
    this.downSince = now;
    this.announced = !quiet;
    if (quiet) return null;
    return { kind: wasUp ? 'lost' : 'unreachable', reason: this.reason };
  }

  /** A `ready` event: connected and answering. */
  ready(now: number): ConnectionChange {
    const change: ConnectionChange =
      this.phase === 'down' && this.announced
        ? { kind: 'recovered', downForMs: now - this.downSince }
        : null;
    this.phase = 'up';
    this.lastError = null;
    return change;
  }
}
