import { DeliveryTracker } from './delivery-tracker';
import { nowMicros } from './stamp';

/**
 * One measured window of a run: the CPU of what it watches (the servers' processes, from /proc), the
 * load generator's own CPU, and the times rates are taken over.
 */
export class MeasuredWindow {
  readonly started = nowMicros();
  private readonly loadBefore = process.cpuUsage();
  private readonly cpuBefore: number;

  constructor(private readonly cpuSeconds: () => number) {
    this.cpuBefore = cpuSeconds();
  }

  /** CPU seconds used by what is watched since the start. */
  cpu(): number {
    return this.cpuSeconds() - this.cpuBefore;
  }

  wallSeconds(): number {
    return (nowMicros() - this.started) / 1e6;
  }

  /** The load generator's CPU since the start, in % of one core: near 100 means a figure is a floor. */
  loadCpuPercent(): number {
    const used = process.cpuUsage(this.loadBefore);
    return ((used.user + used.system) / (nowMicros() - this.started)) * 100;
  }

  /** Seconds from the start to the last receipt, which rates are taken over (to now if none came). */
  secondsToLastReceipt(tracker: DeliveryTracker): number {
    return tracker.lastReceipt > this.started
      ? (tracker.lastReceipt - this.started) / 1e6
      : this.wallSeconds();
  }
}
