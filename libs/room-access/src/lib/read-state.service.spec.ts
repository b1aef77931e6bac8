import { Logger } from '@nestjs/common';
import { MessageBus } from '@switchboard/bus';
import { ReadStateStore } from '@switchboard/persistence';
import { RoomEventFrame } from '@switchboard/protocol';
import { RoomAccessError } from './room-access-error';
import { ReadStateService } from './read-state.service';
import { RoomAccessService } from './room-access.service';

const ADA = { id: 'ada', name: 'Ada' };

/** The service over fakes: what the store answers, and what the bus does with a receipt. */
function readStateWith(
  advance: { lastReadSeq: number; moved: boolean } | null,
  publish: (frame: RoomEventFrame) => Promise<void>,
) {
  const entered: string[] = [];
  const access = {
    enterToRead: async (userId: string, room: string) => {
      entered.push(`${userId}@${room}`);
    },
  } as unknown as RoomAccessService;
  const store = { advance: async () => advance } as unknown as ReadStateStore;
  const bus = { publish: (_: string, __: string, frame: RoomEventFrame) => publish(frame) };
  return {
    service: new ReadStateService(access, store, bus as unknown as MessageBus),
    entered,
  };
}

describe('ReadStateService', () => {
  it('announces a position that moved, after checking the room as a join does', async () => {
    const published: RoomEventFrame[] = [];
    const { service, entered } = readStateWith({ lastReadSeq: 4, moved: true }, async (frame) => {
      published.push(frame);
    });
    await expect(service.markRead(ADA, 'lobby', 9)).resolves.toBe(4);
    expect(entered).toEqual(['ada@lobby']);
    expect(published).toEqual([{ type: 'read', room: 'lobby', user: ADA, seq: 4 }]);
  });

  it('announces nothing when the position did not move', async () => {
    const published: RoomEventFrame[] = [];
    const { service } = readStateWith({ lastReadSeq: 4, moved: false }, async (frame) => {
      published.push(frame);
    });
    await expect(service.markRead(ADA, 'lobby', 2)).resolves.toBe(4);
    expect(published).toEqual([]);
  });

  it('keeps a stored read when its receipt cannot be published, and logs the failure', async () => {
    const logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    try {
      const { service } = readStateWith({ lastReadSeq: 4, moved: true }, async () => {
        throw new Error('redis down');
      });
      await expect(service.markRead(ADA, 'lobby', 4)).resolves.toBe(4);
      expect(logged).toHaveBeenCalled();
    } finally {
      logged.mockRestore();
    }
  });

  it('refuses with forbidden when the membership ended before the update', async () => {
    const { service } = readStateWith(null, async () => undefined);
    await expect(service.markRead(ADA, 'lobby', 1)).rejects.toBeInstanceOf(RoomAccessError);
  });
});
