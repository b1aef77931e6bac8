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

  it('fans out the messages of consecutive commits in seq order, each after its commit', async () => {
    let seq = 0;
    const committed: number[] = [];
    const stored = (message: NewMessage): AppendResult => {
      committed.push(++seq);
      return {
        created: true,
        message: {
          id: String(seq),
          room: message.room,
          seq,
          user: { id: message.userId, name: message.userName },
          text: message.text,
          ts: seq,
          clientMsgId: message.clientMsgId,
        },
      };
    };
    // Each commit completes a turn later, so sends keep arriving while one is in flight.
    const later = () => new Promise((resolve) => setImmediate(resolve));
    const store = {
      append: async (message: NewMessage) => {
        await later();
        return stored(message);
      },
      appendBatch: async (messages: NewMessage[]) => {
        await later();
        return messages.map(stored);
      },
    } as unknown as MessageStore;
    const published: number[] = [];
    const bus = {
      publish: async (_channel: string, _room: string, payload: { seq: number }) => {
        // A publish issued before its message's commit would see it missing.
        expect(committed).toContain(payload.seq);
        published.push(payload.seq);
      },
    } as unknown as MessageBus;
    // A limiter answering after a while, like Redis: sends overlap the commits.
    const limiter = {
      take: async () => {
        await later();
        return { allowed: true };
      },
    } as unknown as RateLimiter;
    const chat = new ChatMessageService(
      store,
      bus,
      limiter,
      new ChatMetrics(new MetricsRegistry()),
      {} as RoomStore,
      { dispatch: () => undefined } as unknown as AwayDelivery,
    );

    const sends: Promise<AppendResult>[] = [];
    for (let n = 1; n <= 60; n++) {
      sends.push(
        chat.send({ id: 'ada', name: 'Ada' }, { room: 'lobby', text: `m${n}`, clientMsgId: null }),
      );
      if (n % 7 === 0) await later();
    }
    const results = await Promise.all(sends);

    expect(results.map((result) => result.message.text)).toEqual(
      Array.from({ length: 60 }, (_, i) => `m${i + 1}`),
    );
    expect(published).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
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
