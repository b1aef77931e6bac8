import { Logger } from '@nestjs/common';
import { InProcessMessageBus } from '@switchboard/bus';
import { MessagePage, MessageStore, ReadStateStore } from '@switchboard/persistence';
import { InMemoryPresenceStore, PresenceStore } from '@switchboard/presence';
import { ChatMessage, ServerFrame } from '@switchboard/protocol';
import { MetricsRegistry, RepeatedFailureLog } from '@switchboard/observability';
import { GatewayMetrics } from '../metrics/gateway-metrics';
import { WebSocket } from 'ws';
import { ClientSession } from '../connections/client-session';
import { RoomFanout } from './room-fanout';
import { RoomMembershipService } from './room-membership.service';
import { RoomPresence } from './room-presence';

const ROOM = 'seam';

function message(seq: number): ChatMessage {
  return {
    id: String(seq),
    room: ROOM,
    seq,
    user: { id: 'writer', name: 'Writer' },
    text: `m${seq}`,
    ts: seq,
    clientMsgId: null,
  };
}

/** A socket that records what it is sent; `backlog` is how many bytes wait unsent. */
function fakeSession(userId: string, backlog = 0) {
  const received: ServerFrame[] = [];
  const closes: number[] = [];
  const socket = {
    readyState: WebSocket.OPEN,
    bufferedAmount: backlog,
    send: (data: string | Buffer) => received.push(JSON.parse(data.toString()) as ServerFrame),
    close: (code: number) => closes.push(code),
  } as unknown as WebSocket;
  // Broadcasts arrive as whole frames: the payload follows a 2-, 4- or 10-byte header.
  const transport = {
    write: (frame: Buffer) => {
      const length = frame[1] & 0x7f;
      const header = length === 127 ? 10 : length === 126 ? 4 : 2;
      received.push(JSON.parse(frame.subarray(header).toString()) as ServerFrame);
    },
  } as never;
  return {
    session: new ClientSession(
      socket,
      { id: userId, name: userId },
      transport,
      new RepeatedFailureLog(new Logger('test')),
    ),
    received,
    closes,
    socket,
  };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

/**
 * A store whose history read lets the bus deliver `during` first: the race between a message being
 * committed and broadcast while a joiner reads history, made certain instead of rare.
 */
class RacingStore {
  constructor(
    private readonly bus: InProcessMessageBus,
    /** The room's last seq when the joiner's instance subscribed. */
    private readonly lastCommitted: number,
    private readonly history: ChatMessage[],
    private readonly during: ChatMessage[],
    private readonly more = false,
  ) {}

  async lastSeq(): Promise<number> {
    return this.lastCommitted;
  }

  private async race(): Promise<void> {
    for (const m of this.during) await this.bus.publish('room', ROOM, { type: 'message', ...m });
    await settle();
  }

  async page(): Promise<MessagePage> {
    await this.race();
    return { messages: this.history, hasMore: this.more };
  }
}

/** A read state store for users who have read nothing: these tests are about history and live frames. */
const unreadNothing = { position: async () => null } as unknown as ReadStateStore;

function service(
  store: RacingStore,
  bus: InProcessMessageBus,
  metrics = new GatewayMetrics(new MetricsRegistry()),
): RoomMembershipService {
  return new RoomMembershipService(
    bus,
    store as unknown as MessageStore,
    new RoomFanout(metrics),
    new RoomPresence(new InMemoryPresenceStore(), bus),
    unreadNothing,
    metrics,
  );
}

describe('RoomMembershipService join seam', () => {
  it('sends a message that raced the history read once: in the reply if it was there, live otherwise', async () => {
    const bus = new InProcessMessageBus();
    // The room stood at seq 2 when this instance subscribed. seq 3 was committed before the history
    // read (so it is in the reply), but its broadcast arrives during it; seq 4 came after the read.
    const rooms = service(
      new RacingStore(bus, 2, [message(2), message(3)], [message(3), message(4)]),
      bus,
    );
    const { session, received } = fakeSession('reader');

    await rooms.join(session, ROOM, 1);
    await settle();

    expect(received.map((f) => f.type)).toEqual(['joined', 'message']);
    expect(received[0]).toMatchObject({ type: 'joined', messages: [{ seq: 2 }, { seq: 3 }] });
    expect(received[1]).toMatchObject({ type: 'message', seq: 4 });
  });

  it('keeps live messages out while a resume is capped (more: true)', async () => {
    const bus = new InProcessMessageBus();
    const rooms = service(new RacingStore(bus, 899, [message(1)], [message(900)], true), bus);
    const { session, received } = fakeSession('reader');

    await rooms.join(session, ROOM, 0);
    await bus.publish('room', ROOM, { type: 'message', ...message(901) });
    await settle();

    expect(received).toEqual([expect.objectContaining({ type: 'joined', more: true })]);
  });

  it('does not tell a user about their own arrival', async () => {
    const bus = new InProcessMessageBus();
    const rooms = service(new RacingStore(bus, 0, [], []), bus);
    const first = fakeSession('first');
    const second = fakeSession('second');

    await rooms.join(first.session, ROOM, undefined);
    await rooms.join(second.session, ROOM, undefined);
    await settle();

    expect(first.received.map((f) => f.type)).toEqual(['joined', 'user_joined']);
    expect(second.received.map((f) => f.type)).toEqual(['joined']);
  });

  it('closes a member more than 1 MB behind with 1013 instead of queueing more for it', async () => {
    const bus = new InProcessMessageBus();
    const registry = new MetricsRegistry();
    const metrics = new GatewayMetrics(registry);
    const rooms = service(new RacingStore(bus, 0, [], []), bus, metrics);
    const slow = fakeSession('slow');
    const fine = fakeSession('fine');
    await rooms.join(slow.session, ROOM, undefined);
    await rooms.join(fine.session, ROOM, undefined);
    (slow.socket as { bufferedAmount: number }).bufferedAmount = 2 * 1024 * 1024;

    await bus.publish('room', ROOM, { type: 'message', ...message(1) });
    await settle();

    expect(slow.closes).toEqual([1013]);
    expect(slow.received.filter((f) => f.type === 'message')).toEqual([]);
    expect(fine.received.filter((f) => f.type === 'message')).toHaveLength(1);
    expect((await metrics.slowConsumersDropped.get()).values[0].value).toBe(1);
  });

  it('counts a slow consumer once however many broadcasts find it slow before its close completes', async () => {
    const bus = new InProcessMessageBus();
    const registry = new MetricsRegistry();
    const metrics = new GatewayMetrics(registry);
    const rooms = service(new RacingStore(bus, 0, [], []), bus, metrics);
    const slow = fakeSession('slow');
    const fine = fakeSession('fine');
    await rooms.join(slow.session, ROOM, undefined);
    await rooms.join(fine.session, ROOM, undefined);
    // The backlog stays: a socket that is closing still holds what it never sent.
    (slow.socket as { bufferedAmount: number }).bufferedAmount = 2 * 1024 * 1024;

    for (let seq = 1; seq <= 50; seq++)
      await bus.publish('room', ROOM, { type: 'message', ...message(seq) });
    await settle();

    expect(fine.received.filter((f) => f.type === 'message')).toHaveLength(50);
    expect(slow.closes).toEqual([1013]);
    expect(slow.received.filter((f) => f.type === 'message')).toEqual([]);
    const dropped = await registry.registry.getSingleMetricAsString(
      'switchboard_slow_consumers_dropped_total',
    );
    expect(dropped).toMatch(/^switchboard_slow_consumers_dropped_total 1$/m);
  });

  it("reads who is in the room with the user's entry into it: one presence round trip per join", async () => {
    const bus = new InProcessMessageBus();
    const members = [
      { id: 'bob', name: 'Bob' },
      { id: 'ada', name: 'ada' },
    ];
    const presence = {
      enter: jest.fn(),
      members: jest.fn(),
      enterAndList: jest.fn(async () => ({ first: false, members })),
    };
    const store = {
      lastSeq: async () => 0,
      page: async () => ({ messages: [], hasMore: false }),
    } as unknown as MessageStore;
    const rooms = new RoomMembershipService(
      bus,
      store,
      new RoomFanout(new GatewayMetrics(new MetricsRegistry())),
      new RoomPresence(presence as unknown as PresenceStore, bus),
      unreadNothing,
      new GatewayMetrics(new MetricsRegistry()),
    );
    const ada = fakeSession('ada');
    await rooms.join(ada.session, ROOM, undefined);
    expect(presence.enterAndList).toHaveBeenCalledTimes(1);
    expect(presence.enter).not.toHaveBeenCalled();
    expect(presence.members).not.toHaveBeenCalled();
    expect(ada.received).toEqual([expect.objectContaining({ type: 'joined', members })]);
  });

  it("leaves nothing behind when a join fails, and keeps the same user's other connection present", async () => {
    const bus = new InProcessMessageBus();
    const presence = new InMemoryPresenceStore();
    let failHistory = false;
    const store = {
      lastSeq: async () => 0,
      page: async () => {
        if (failHistory) throw new Error('database unavailable');
        return { messages: [], hasMore: false };
      },
    } as unknown as MessageStore;
    const rooms = new RoomMembershipService(
      bus,
      store,
      new RoomFanout(new GatewayMetrics(new MetricsRegistry())),
      new RoomPresence(presence, bus),
      unreadNothing,
      new GatewayMetrics(new MetricsRegistry()),
    );
    const first = fakeSession('ada');
    const second = fakeSession('ada');
    await rooms.join(first.session, ROOM, undefined);

    failHistory = true;
    await expect(rooms.join(second.session, ROOM, undefined)).rejects.toThrow(
      'database unavailable',
    );
    expect(rooms.isMember(second.session, ROOM)).toBe(false);
    expect(await presence.members(ROOM)).toEqual([{ id: 'ada', name: 'ada' }]);

    await bus.publish('room', ROOM, { type: 'message', ...message(1) });
    await settle();
    expect(first.received.map((f) => f.type)).toEqual(['joined', 'message']);
    expect(second.received).toEqual([]);

    await rooms.leave(first.session, ROOM);
    expect(await presence.members(ROOM)).toEqual([]);
  });

  it('answers nothing for a join evicted while it read history, and leaves no presence behind', async () => {
    const bus = new InProcessMessageBus();
    const presence = new InMemoryPresenceStore();
    let releaseHistory: () => void = () => undefined;
    const store = {
      lastSeq: async () => 0,
      page: () =>
        new Promise((resolve) => {
          releaseHistory = () => resolve({ messages: [], hasMore: false });
        }),
    } as unknown as MessageStore;
    const rooms = new RoomMembershipService(
      bus,
      store,
      new RoomFanout(new GatewayMetrics(new MetricsRegistry())),
      new RoomPresence(presence, bus),
      unreadNothing,
      new GatewayMetrics(new MetricsRegistry()),
    );
    const joiner = fakeSession('bob');
    const other = fakeSession('carol');
    const joining = rooms.join(joiner.session, ROOM, undefined);
    await settle();

    rooms.evict(ROOM, (session) => session.user.id === 'bob');
    releaseHistory();

    await expect(joining).resolves.toBe(false);
    expect(joiner.received).toEqual([]);
    expect(rooms.isMember(joiner.session, ROOM)).toBe(false);
    await settle();
    expect(await presence.members(ROOM)).toEqual([]);
    // The room is still usable: the next join subscribes afresh.
    const joined = rooms.join(other.session, ROOM, undefined);
    await settle();
    releaseHistory();
    await expect(joined).resolves.toBe(true);
    expect(rooms.usersIn(ROOM)).toEqual(['carol']);
  });

  it('tells an evicted live member left with reason removed and sends it nothing more', async () => {
    const bus = new InProcessMessageBus();
    const rooms = service(new RacingStore(bus, 0, [], []), bus);
    const bob = fakeSession('bob');
    const carol = fakeSession('carol');
    await rooms.join(bob.session, ROOM, undefined);
    await rooms.join(carol.session, ROOM, undefined);

    rooms.evict(ROOM, (session) => session.user.id === 'bob');
    await bus.publish('room', ROOM, { type: 'message', ...message(1) });
    await settle();

    expect(bob.received.map((f) => f.type)).toEqual(['joined', 'user_joined', 'left']);
    expect(bob.received[2]).toEqual({ type: 'left', room: ROOM, reason: 'removed' });
    // Bob's departure reaches the room through presence, in no set order with the message.
    expect(carol.received.map((f) => f.type).sort()).toEqual(['joined', 'message', 'user_left']);
  });

  it('resumes up to where the room stands here without reading its last seq; a since past it is clamped to the stored end', async () => {
    const bus = new InProcessMessageBus();
    const pages: { after?: number; before?: number }[] = [];
    let lastSeqReads = 0;
    const store = {
      lastSeq: async () => (++lastSeqReads === 1 ? 2 : 4),
      page: async (_room: string, query: { after?: number; before?: number }) => {
        pages.push({ after: query.after, before: query.before });
        return { messages: [], hasMore: false };
      },
    } as unknown as MessageStore;
    const rooms = new RoomMembershipService(
      bus,
      store,
      new RoomFanout(new GatewayMetrics(new MetricsRegistry())),
      new RoomPresence(new InMemoryPresenceStore(), bus),
      unreadNothing,
      new GatewayMetrics(new MetricsRegistry()),
    );
    await rooms.join(fakeSession('ada').session, ROOM, undefined);
    for (const seq of [3, 4]) await bus.publish('room', ROOM, { type: 'message', ...message(seq) });
    await settle();

    await rooms.join(fakeSession('bob').session, ROOM, 3);
    expect(lastSeqReads).toBe(1);
    expect(pages.at(-1)).toEqual({ after: 3, before: 5 });

    // Holding every seq up to where the room stands: nothing to read.
    const current = fakeSession('dee');
    await rooms.join(current.session, ROOM, 4);
    expect(pages).toHaveLength(2);
    expect(current.received[0]).toMatchObject({ type: 'joined', messages: [] });

    // Ahead of what this instance delivered: the stored end (4 here) is read, not assumed, and the
    // since clamped to it is current, so no page is read either.
    const ahead = fakeSession('cy');
    await rooms.join(ahead.session, ROOM, 9);
    expect(lastSeqReads).toBe(2);
    expect(pages).toHaveLength(2);
    await bus.publish('room', ROOM, { type: 'message', ...message(5) });
    await settle();
    expect(ahead.received.map((f) => f.type)).toEqual(['joined', 'message']);
  });

  it('uses the read position the access check read instead of reading it again', async () => {
    const bus = new InProcessMessageBus();
    let positionReads = 0;
    const rooms = new RoomMembershipService(
      bus,
      new RacingStore(bus, 0, [], []) as unknown as MessageStore,
      new RoomFanout(new GatewayMetrics(new MetricsRegistry())),
      new RoomPresence(new InMemoryPresenceStore(), bus),
      { position: async () => (positionReads++, { lastReadSeq: 1, unread: 1 }) } as never,
      new GatewayMetrics(new MetricsRegistry()),
    );
    const checked = fakeSession('ada');
    await rooms.join(checked.session, ROOM, undefined, { position: { lastReadSeq: 7, unread: 2 } });
    expect(positionReads).toBe(0);
    expect(checked.received[0]).toMatchObject({ type: 'joined', lastReadSeq: 7, unread: 2 });
    expect(checked.received[0]).not.toHaveProperty('position');

    const unchecked = fakeSession('bob');
    await rooms.join(unchecked.session, ROOM, undefined);
    expect(positionReads).toBe(1);
    expect(unchecked.received[0]).toMatchObject({ type: 'joined', lastReadSeq: 1, unread: 1 });
  });
});
