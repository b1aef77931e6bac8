import { MetricsRegistry } from '@switchboard/observability';
import { RoomEventFrame, UserRef } from '@switchboard/protocol';
import { ClientSession } from '../connections/client-session';
import { textFrame } from '../connections/websocket-frame';
import { GatewayMetrics } from '../metrics/gateway-metrics';
import { Membership, RoomFanout } from './room-fanout';

const ALICE: UserRef = { id: 'alice', name: 'Alice' };
const BOB: UserRef = { id: 'bob', name: 'Bob' };

/** A session that records the frames written to it; `slow` makes it report too much unsent data. */
class RecordingSession {
  readonly written: string[] = [];
  slow = false;
  open = true;
  drops = 0;

  constructor(readonly user: UserRef) {}

  isSlow(): boolean {
    return this.slow;
  }

  dropAsSlow(): boolean {
    return ++this.drops === 1;
  }

  sendFrame(frame: Buffer): boolean {
    if (!this.open) return false;
    this.written.push(frame.toString());
    return true;
  }
}

function message(seq: number, user: UserRef = ALICE): RoomEventFrame {
  return {
    type: 'message',
    id: `m${seq}`,
    room: 'r',
    seq,
    user,
    text: `t${seq}`,
    ts: 1,
    clientMsgId: null,
  };
}

function live(watermark = 0): Membership {
  return { phase: 'live', watermark, pending: undefined };
}

describe('RoomFanout', () => {
  let metrics: GatewayMetrics;
  let fanout: RoomFanout;
  let members: Map<ClientSession, Membership>;

  const join = (session: RecordingSession, membership: Membership) =>
    members.set(session as unknown as ClientSession, membership);
  const send = (frame: RoomEventFrame) => fanout.broadcast(members, frame, JSON.stringify(frame));
  const wire = (frame: RoomEventFrame) => textFrame(JSON.stringify(frame)).toString();
  const delivered = async () => (await metrics.deliveries.get()).values[0]?.value ?? 0;

  beforeEach(() => {
    metrics = new GatewayMetrics(new MetricsRegistry());
    fanout = new RoomFanout(metrics);
    members = new Map();
  });

  it('writes one frame to every live member and counts each write', async () => {
    const alice = new RecordingSession(ALICE);
    const bob = new RecordingSession(BOB);
    join(alice, live());
    join(bob, live());

    send(message(1));

    expect(alice.written).toEqual([wire(message(1))]);
    expect(bob.written).toEqual([wire(message(1))]);
    expect(await delivered()).toBe(2);
  });

  it('skips a sequenced frame a member already had in its join reply', async () => {
    const caughtUp = new RecordingSession(BOB);
    join(caughtUp, live(5));
    const edit: RoomEventFrame = {
      type: 'message_edited',
      room: 'r',
      id: 'm2',
      seq: 5,
      text: 'x',
      editedAt: 2,
    };

    send(message(4));
    send(edit);
    send(message(6));

    expect(caughtUp.written).toEqual([wire(message(6))]);
    expect(await delivered()).toBe(1);
  });

  it('sends presence and typing to the others only, and a read receipt to the reader too', () => {
    const alice = new RecordingSession(ALICE);
    const bob = new RecordingSession(BOB);
    join(alice, live(10));
    join(bob, live(10));
    const joined: RoomEventFrame = { type: 'user_joined', room: 'r', user: ALICE };
    const typing: RoomEventFrame = { type: 'typing', room: 'r', user: ALICE };
    // A read receipt's seq is a read position, not a seq it takes: a watermark past it does not hide it.
    const read: RoomEventFrame = { type: 'read', room: 'r', user: ALICE, seq: 3 };

    send(joined);
    send(typing);
    send(read);

    expect(alice.written).toEqual([wire(read)]);
    expect(bob.written).toEqual([wire(joined), wire(typing), wire(read)]);
  });

  it('holds frames for a syncing member until release, then sends those past its watermark', () => {
    const joining = new RecordingSession(BOB);
    const membership: Membership = { phase: 'syncing', watermark: 0, pending: undefined };
    join(joining, membership);
    const ownJoin: RoomEventFrame = { type: 'user_joined', room: 'r', user: BOB };

    send(message(1));
    send(ownJoin);
    send(message(2));
    expect(joining.written).toEqual([]);

    membership.watermark = 1;
    fanout.release(joining as unknown as ClientSession, membership);
    send(message(3));

    expect(membership.phase).toBe('live');
    expect(membership.pending).toBeUndefined();
    expect(joining.written).toEqual([wire(message(2)), wire(message(3))]);
  });

  it('sends nothing to a paused member', () => {
    const paused = new RecordingSession(BOB);
    join(paused, { phase: 'paused', watermark: 0, pending: undefined });

    send(message(1));

    expect(paused.written).toEqual([]);
  });

  it('closes a slow member once instead of writing to it, and counts neither it nor a gone one', async () => {
    const slow = new RecordingSession(BOB);
    slow.slow = true;
    const gone = new RecordingSession(BOB);
    gone.open = false;
    const fine = new RecordingSession(BOB);
    join(slow, live());
    join(gone, live());
    join(fine, live());

    send(message(1));
    send(message(2));

    expect(slow.written).toEqual([]);
    expect(slow.drops).toBe(2);
    expect((await metrics.slowConsumersDropped.get()).values[0]?.value).toBe(1);
    expect(fine.written).toEqual([wire(message(1)), wire(message(2))]);
    expect(await delivered()).toBe(2);
  });
});
