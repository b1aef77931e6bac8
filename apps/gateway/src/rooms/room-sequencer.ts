import { Logger } from '@nestjs/common';
import { RoomEventFrame, SequencedFrame } from '@switchboard/protocol';

/** How long an early message waits for the ones before it before they are read from PostgreSQL. */
export const GAP_FILL_DELAY_MS = 250;

export interface SequencedDelivery {
  frame: SequencedFrame;
  raw: string;
}

/**
 * Why a sequencer reads from PostgreSQL: a later broadcast arrived first (`gap`), or the room's
 * position check said seqs were committed that no broadcast brought (`position`).
 */
export type MissingReadReason = 'gap' | 'position';

/** Reads the committed messages, edits and deletes with `after < seq < before`, ascending. */
export type MissingMessagesReader = (
  after: number,
  before: number,
  reason: MissingReadReason,
) => Promise<SequencedFrame[]>;

const logger = new Logger('RoomSequencer');

const SEQUENCED_TYPES: ReadonlySet<RoomEventFrame['type']> = new Set([
  'message',
  'message_edited',
  'message_deleted',
]);

/** True for the frames that take one of the room's seqs, which go through the room's sequencer. */
export function isSequenced(frame: RoomEventFrame): frame is SequencedFrame {
  return SEQUENCED_TYPES.has(frame.type);
}

/**
 * Puts one room's live messages, edits and deletes (each takes a seq) back in `seq` order on this instance. Senders on different
 * connections or instances publish after their own commits, so broadcasts can arrive out of order;
 * an early one is held until the gap fills, and a gap still open after `GAP_FILL_DELAY_MS` is read
 * from PostgreSQL (a seq is committed before the next one can be, so the missing rows are there).
 * A broadcast that never arrives and has no later one to reveal it is found by `expectUpTo`.
 * Clients can then treat the last `seq` they received as the point to resume from.
 */
export class RoomSequencer {
  /** The next seq to deliver; unknown until `start`, and until then everything is held. */
  private next: number | undefined;
  private readonly held = new Map<number, SequencedDelivery>();
  /** The highest seq known to be committed (`expectUpTo`): every seq up to it is owed to this instance. */
  private committed = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly deliver: (delivery: SequencedDelivery) => void,
    private readonly readMissing: MissingMessagesReader,
    private readonly gapFillDelayMs = GAP_FILL_DELAY_MS,
  ) {}

  /** Begins after the last seq committed when the room's subscription started (joiners read those from history). */
  start(lastCommittedSeq: number): void {
    this.next = lastCommittedSeq + 1;
    this.drain();
  }

  accept(frame: SequencedFrame, raw: string): void {
    if (this.next !== undefined && frame.seq < this.next) return;
    if (frame.seq === this.next) {
      this.deliver({ frame, raw });
      this.next++;
      this.drain();
      return;
    }
    this.held.set(frame.seq, { frame, raw });
    this.armGapFill();
  }

  /**
   * Says every seq up to `lastCommittedSeq` is committed: those not delivered live within the gap-fill
   * delay are read from PostgreSQL. How a broadcast the bus lost (Redis restarted, a publish failed)
   * still reaches this instance's members when no later message follows it.
   */
  expectUpTo(lastCommittedSeq: number): void {
    if (lastCommittedSeq <= this.committed) return;
    this.committed = lastCommittedSeq;
    if (this.owed()) this.armGapFill();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.held.clear();
  }

  private drain(): void {
    if (this.next === undefined) return;
    for (const seq of this.held.keys()) if (seq < this.next) this.held.delete(seq);
    let delivery: SequencedDelivery | undefined;
    while ((delivery = this.held.get(this.next))) {
      this.held.delete(this.next);
      this.deliver(delivery);
      this.next++;
    }
    if (this.held.size === 0 && !this.owed()) {
      clearTimeout(this.timer);
      this.timer = undefined;
    } else {
      this.armGapFill();
    }
  }

  /** True when a seq known committed has not been delivered yet. */
  private owed(): boolean {
    return this.next !== undefined && this.next <= this.committed;
  }

  private armGapFill(): void {
    if (this.timer || this.next === undefined || this.stopped) return;
    this.timer = setTimeout(() => void this.fillGap(), this.gapFillDelayMs);
  }

  private async fillGap(): Promise<void> {
    this.timer = undefined;
    if (this.next === undefined || this.stopped) return;
    // Up to the first held message, or (none held) past the last seq known committed.
    const gap = this.held.size > 0;
    const before = gap ? Math.min(...this.held.keys()) : this.committed + 1;
    if (before <= this.next) return;
    try {
      const frames = await this.readMissing(this.next - 1, before, gap ? 'gap' : 'position');
      for (const frame of frames) {
        if (this.stopped || frame.seq !== this.next) continue;
        this.deliver({ frame, raw: JSON.stringify(frame) });
        this.next++;
      }
      // Nothing stored where a seq was said committed (a restored database): not asked for again.
      if (frames.length === 0) this.committed = Math.min(this.committed, this.next - 1);
    } catch (error) {
      logger.warn(
        `could not read messages ${this.next}..${before - 1}: ${(error as Error).message}`,
      );
    }
    this.drain();
  }
}
