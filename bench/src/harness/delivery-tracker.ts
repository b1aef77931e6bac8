import { LatencyRecorder } from './latency';
import { nowMicros, StampReader } from './stamp';

/**
 * Counts the receipts of one run's stamped messages (indexes `base` … `base + messages - 1`) and times
 * each from its send: what every WebSocket scenario measures, on the load generator's one clock.
 */
export class DeliveryTracker {
  readonly latency = new LatencyRecorder();
  received = 0;
  /** Microseconds (load generator clock) of the latest receipt. */
  lastReceipt = 0;
  private readonly reader = new StampReader();
  private counts = new Uint32Array(0);
  private base = 0;
  private nextIndex = 0;

  /** Starts a run of `messages` new indexes; returns the first. */
  begin(messages: number): number {
    this.base = this.nextIndex;
    this.nextIndex += messages;
    this.counts = new Uint32Array(messages);
    this.received = 0;
    this.lastReceipt = 0;
    this.latency.reset();
    return this.base;
  }

  /** Takes one delivered frame; frames of earlier runs, or without a stamp, are ignored. */
  delivered(payload: Buffer): void {
    if (!this.reader.read(payload)) return;
    const slot = this.reader.index - this.base;
    if (slot < 0 || slot >= this.counts.length) return;
    this.counts[slot]++;
    this.received++;
    this.lastReceipt = nowMicros();
    this.latency.record(this.lastReceipt - this.reader.sentMicros);
  }

  /** Receipts missing when every message of the run should have reached `recipients` connections. */
  lost(recipients: number, sentMessages = this.counts.length): number {
    let lost = 0;
    for (let i = 0; i < sentMessages; i++) lost += Math.max(0, recipients - this.counts[i]);
    return lost;
  }
}
