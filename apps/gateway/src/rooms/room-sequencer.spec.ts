import { ChatMessage, MessageDeliveryFrame, SequencedFrame } from '@switchboard/protocol';
import { MissingReadReason, RoomSequencer, SequencedDelivery } from './room-sequencer';

function message(seq: number): ChatMessage {
  return {
    id: String(seq),
    room: 'r',
    seq,
    user: { id: 'u', name: 'u' },
    text: `m${seq}`,
    ts: seq,
    clientMsgId: null,
  };
}
const frame = (seq: number): MessageDeliveryFrame => ({ type: 'message', ...message(seq) });

function sequencer(stored: ChatMessage[] = []) {
  const delivered: number[] = [];
  const reads: [number, number][] = [];
  const reasons: MissingReadReason[] = [];
  const read = async (after: number, before: number, reason: MissingReadReason) => {
    reads.push([after, before]);
    reasons.push(reason);
    return stored
      .filter((m) => m.seq > after && m.seq < before)
      .map((m): MessageDeliveryFrame => ({ type: 'message', ...m }));
  };
  const seq = new RoomSequencer((d: SequencedDelivery) => delivered.push(d.frame.seq), read, 100);
  const send = (...seqs: number[]) =>
    seqs.forEach((s) => seq.accept(frame(s), JSON.stringify(frame(s))));
  return { seq, send, delivered, reads, reasons };
}

describe('RoomSequencer', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('delivers in order at once when messages arrive in order', () => {
    const { seq, send, delivered } = sequencer();
    seq.start(4);
    send(5, 6, 7);
    expect(delivered).toEqual([5, 6, 7]);
  });

  it('holds an early message until the one before it arrives', () => {
    const { seq, send, delivered, reads } = sequencer();
    seq.start(0);
    send(2, 3);
    expect(delivered).toEqual([]);
    send(1);
    expect(delivered).toEqual([1, 2, 3]);
    jest.advanceTimersByTime(1000);
    expect(reads).toEqual([]);
  });

  it('reads a gap that does not fill from the store, then goes on in order', async () => {
    const { seq, send, delivered, reads, reasons } = sequencer([message(1), message(2)]);
    seq.start(0);
    send(3, 4);
    await jest.advanceTimersByTimeAsync(100);
    expect(reads).toEqual([[0, 3]]);
    expect(reasons).toEqual(['gap']);
    expect(delivered).toEqual([1, 2, 3, 4]);
    send(2, 5);
    expect(delivered).toEqual([1, 2, 3, 4, 5]);
  });

  it('holds everything until it knows where the room stands, then drops what joiners read from history', () => {
    const { seq, send, delivered } = sequencer();
    send(3, 4, 5);
    expect(delivered).toEqual([]);
    seq.start(3);
    expect(delivered).toEqual([4, 5]);
  });

  it('ignores repeats and stops cleanly', async () => {
    const { seq, send, delivered, reads } = sequencer([message(1)]);
    seq.start(0);
    send(1, 1);
    expect(delivered).toEqual([1]);
    send(3);
    seq.stop();
    await jest.advanceTimersByTimeAsync(1000);
    expect(reads).toEqual([]);
    expect(delivered).toEqual([1]);
  });

  it('orders edits and deletes with messages, and reads them back to fill a gap', async () => {
    const edit: SequencedFrame = {
      type: 'message_edited',
      room: 'r',
      id: '1',
      seq: 2,
      text: 'm1!',
      editedAt: 2,
    };
    const removal: SequencedFrame = { type: 'message_deleted', room: 'r', id: '1', seq: 4 };
    const delivered: string[] = [];
    const seq = new RoomSequencer(
      (d: SequencedDelivery) => delivered.push(`${d.frame.type} ${d.frame.seq}`),
      async (after, before) => [edit].filter((f) => f.seq > after && f.seq < before),
      100,
    );
    seq.start(0);
    seq.accept(removal, JSON.stringify(removal));
    seq.accept(frame(3), JSON.stringify(frame(3)));
    seq.accept(frame(1), JSON.stringify(frame(1)));
    expect(delivered).toEqual(['message 1']);
    await jest.advanceTimersByTimeAsync(100);
    expect(delivered).toEqual(['message 1', 'message_edited 2', 'message 3', 'message_deleted 4']);
  });

  describe('told where the room stands (expectUpTo)', () => {
    it('reads the committed messages whose broadcasts never came, once the gap-fill delay passed', async () => {
      const { seq, send, delivered, reads, reasons } = sequencer([
        message(1),
        message(2),
        message(3),
      ]);
      seq.start(0);
      send(1);
      seq.expectUpTo(3);
      await jest.advanceTimersByTimeAsync(99);
      expect(reads).toEqual([]);
      await jest.advanceTimersByTimeAsync(1);
      expect(reads).toEqual([[1, 4]]);
      expect(reasons).toEqual(['position']);
      expect(delivered).toEqual([1, 2, 3]);
      send(3, 4);
      expect(delivered).toEqual([1, 2, 3, 4]);
    });

    it('reads nothing when the broadcasts arrive within the delay', async () => {
      const { seq, send, delivered, reads } = sequencer([message(1), message(2)]);
      seq.start(0);
      seq.expectUpTo(2);
      send(1, 2);
      await jest.advanceTimersByTimeAsync(1000);
      expect(reads).toEqual([]);
      expect(delivered).toEqual([1, 2]);
    });

    it('ignores a position it already delivered or was told, and one told before it started waits for the start', async () => {
      const { seq, send, delivered, reads } = sequencer([message(4), message(5)]);
      seq.expectUpTo(5);
      await jest.advanceTimersByTimeAsync(1000);
      expect(reads).toEqual([]);
      seq.start(3);
      send(4);
      seq.expectUpTo(4);
      await jest.advanceTimersByTimeAsync(100);
      expect(reads).toEqual([[4, 6]]);
      expect(delivered).toEqual([4, 5]);
      seq.expectUpTo(5);
      await jest.advanceTimersByTimeAsync(1000);
      expect(reads).toEqual([[4, 6]]);
    });

    it('stops asking for seqs the store does not have, until told again', async () => {
      const { seq, delivered, reads } = sequencer([]);
      seq.start(0);
      seq.expectUpTo(2);
      await jest.advanceTimersByTimeAsync(1000);
      expect(reads).toEqual([[0, 3]]);
      expect(delivered).toEqual([]);
      seq.expectUpTo(3);
      await jest.advanceTimersByTimeAsync(1000);
      expect(reads).toEqual([
        [0, 3],
        [0, 4],
      ]);
    });
  });
});
