import { performance } from 'node:perf_hooks';

/**
 * Every benchmark message carries `~<index>~<sent µs>~` and padding in its text, whatever the protocol
 * wraps around it, so one scan finds it in a Switchboard, Socket.IO or bare frame alike.
 */
const TILDE = 0x7e;
const ZERO = 0x30;

/** Microseconds on the load generator's clock, the one clock both ends of a latency are read on. */
export function nowMicros(): number {
  return Math.round(performance.now() * 1000);
}

/** The text of benchmark message `index`, padded so that a delivered frame is about 150 bytes. */
export function stampText(index: number, padTo = 60): string {
  const head = `~${index}~${nowMicros()}~`;
  return head.length >= padTo ? head : head + 'x'.repeat(padTo - head.length);
}

/** Reads the stamp of a delivered frame without allocating; `found` is false when it has none. */
export class StampReader {
  found = false;
  index = 0;
  sentMicros = 0;

  read(payload: Buffer): boolean {
    this.found = false;
    let at = payload.indexOf(TILDE);
    if (at < 0) return false;
    let index = 0;
    for (at++; at < payload.length && payload[at] !== TILDE; at++)
      index = index * 10 + payload[at] - ZERO;
    let sent = 0;
    for (at++; at < payload.length && payload[at] !== TILDE; at++)
      sent = sent * 10 + payload[at] - ZERO;
    if (at >= payload.length) return false;
    this.index = index;
    this.sentMicros = sent;
    this.found = true;
    return true;
  }
}
