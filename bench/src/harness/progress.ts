/**
 * One refreshing status line on a terminal (connections opened, messages sent, elapsed); elsewhere
 * (CI logs) a plain line at most every 10 seconds, so logs stay short.
 */
export class Progress {
  private readonly tty = process.stdout.isTTY === true;
  private lastPlain = 0;
  private shown = false;
  private readonly started = Date.now();

  constructor(private readonly label: string) {}

  update(status: string): void {
    const line = `${this.label}: ${status} (${((Date.now() - this.started) / 1000).toFixed(1)} s)`;
    if (this.tty) {
      process.stdout.write(`\r\x1b[K${line.slice(0, (process.stdout.columns || 120) - 1)}`);
      this.shown = true;
    } else if (Date.now() - this.lastPlain >= 10_000) {
      this.lastPlain = Date.now();
      process.stdout.write(`${line}\n`);
    }
  }

  done(): void {
    if (this.shown) process.stdout.write('\r\x1b[K');
    this.shown = false;
  }
}

/** Writes one line of the run's log (phases, not per-step noise). */
export function log(line: string): void {
  process.stdout.write(`${line}\n`);
}
