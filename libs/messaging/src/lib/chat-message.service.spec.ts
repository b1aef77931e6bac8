import { Logger } from '@nestjs/common';
import { MessageBus } from '@switchboard/bus';
import { AppendResult, MessageStore, NewMessage, RoomStore } from '@switchboard/persistence';
import { RateLimiter } from '@switchboard/rate-limit';
import { MetricsRegistry } from '@switchboard/observability';
import { CapturedLogs } from '@switchboard/testing';
import { AwayDelivery } from './away-delivery';
import { ChatMessageService } from './chat-message.service';
import { ChatMetrics } from './chat-metrics';

describe('ChatMessageService', () => {
  const logs = new CapturedLogs();
  beforeAll(() => {
    Logger.overrideLogger(logs);
  });

  it('acknowledges messages whose fan-out failed, and logs the bus failure once, not per message', async () => {
    let seq = 0;
    const store = {
      append: async (message: NewMessage): Promise<AppendResult> => ({
        created: true,
        message: {
          id: String(++seq),
          room: message.room,
          seq,
          user: { id: message.userId, name: message.userName },
          text: message.text,
          ts: seq,
          clientMsgId: message.clientMsgId,
        },
      }),
    } as unknown as MessageStore;
    // The bus of a Redis outage: every publish fails.
    const bus = {
      publish: async () => {
        throw new Error('Connection is closed.');
      },
    } as unknown as MessageBus;
    const limiter = { take: async () => ({ allowed: true }) } as unknown as RateLimiter;
    const chat = new ChatMessageService(
      store,
      bus,
      limiter,
      new ChatMetrics(new MetricsRegistry()),
      {} as RoomStore,
      { dispatch: () => undefined } as unknown as AwayDelivery,
    );

    for (let n = 1; n <= 25; n++) {
      const { message } = await chat.send(
        { id: 'ada', name: 'Ada' },
        { room: 'lobby', text: `m${n}`, clientMsgId: null },
      );
      expect(message.seq).toBe(n);
    }

    // One stack; any other error line is a count of repeats (one per 10 s, were this run that slow).
    expect(logs.withStack()).toEqual([
      {
        level: 'error',
        text: expect.stringMatching(/^fan-out failed: Error: Connection is closed\./),
      },
    ]);
    expect(logs.errors().filter((entry) => !/ more in the last /.test(entry.text))).toHaveLength(1);
  });
});
