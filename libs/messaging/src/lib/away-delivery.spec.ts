import { InProcessMessageBus } from '@switchboard/bus';
import { ReadStateStore, RoomRecord, RoomStore } from '@switchboard/persistence';
import { PresenceStore } from '@switchboard/presence';
import { ChatMessage } from '@switchboard/protocol';
import { AwayDelivery } from './away-delivery';
import { NotificationPublisher } from './notification-publisher';

function message(room: string, seq: number): ChatMessage {
  return {
    id: String(seq),
    room,
    seq,
    user: { id: 'ada', name: 'Ada' },
    text: 'hi',
    ts: seq,
    clientMsgId: null,
  };
}

// The room lookup on the way of every message: read once per room, forgotten when the room changes.
describe('AwayDelivery', () => {
  it('reads a room once for all its messages, and again after the bus says it changed', async () => {
    const finds: string[] = [];
    const stored = new Map<string, RoomRecord>();
    const rooms = {
      find: async (room: string) => {
        finds.push(room);
        return stored.get(room) ?? null;
      },
      members: async () => [],
    } as unknown as RoomStore;
    const bus = new InProcessMessageBus();
    const away = new AwayDelivery(
      rooms,
      {} as PresenceStore,
      {} as ReadStateStore,
      {} as NotificationPublisher,
      bus,
    );
    await away.onApplicationBootstrap();

    for (let seq = 1; seq <= 5; seq++) await away.deliver(message('lobby', seq));
    expect(finds).toEqual(['lobby']);

    stored.set('lobby', { room: 'lobby', access: 'private' } as RoomRecord);
    await bus.publish('room-access', '', { type: 'access_changed', room: 'lobby' });
    await away.deliver(message('lobby', 6));
    await away.deliver(message('lobby', 7));
    expect(finds).toEqual(['lobby', 'lobby']);
    await away.onModuleDestroy();
  });
});
