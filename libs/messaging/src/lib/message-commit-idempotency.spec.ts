import { createDataSource, MessageStore, NewMessage } from '@switchboard/persistence';
import { testConfig, uniqueRoom } from '@switchboard/testing';
import { DataSource } from 'typeorm';
import { MessageCommitQueue } from './message-commit-queue';

function message(room: string, text: string, clientMsgId: string | null): NewMessage {
  return { room, userId: 'ada', userName: 'Ada', text, clientMsgId };
}

describe('MessageCommitQueue on PostgreSQL', () => {
  // Two data sources and two queues stand for two gateway instances.
  let first: DataSource;
  let second: DataSource;
  let queue: MessageCommitQueue;
  let otherQueue: MessageCommitQueue;

  beforeAll(async () => {
    const url = testConfig('history').databaseUrl;
    first = await createDataSource(url, 4).initialize();
    second = await createDataSource(url, 4).initialize();
    queue = new MessageCommitQueue(new MessageStore(first));
    otherQueue = new MessageCommitQueue(new MessageStore(second));
  });

  afterAll(async () => {
    await first.destroy();
    await second.destroy();
  });

  async function stored(room: string): Promise<[number, string][]> {
    const rows = await first.query<{ seq: string; text: string }[]>(
      'SELECT seq, text FROM messages WHERE room = $1 ORDER BY seq',
      [room],
    );
    return rows.map((row) => [Number(row.seq), row.text]);
  }

  it('answers a clientMsgId repeated in one batch with the original, using up no seq', async () => {
    const room = uniqueRoom();
    const results = await Promise.all([
      queue.append(message(room, 'one', 'c1')),
      queue.append(message(room, 'two', 'c2')),
      queue.append(message(room, 'two again', 'c2')),
      queue.append(message(room, 'three', null)),
    ]);

    expect(results.map(({ created, message: m }) => [created, m.seq, m.text])).toEqual([
      [true, 1, 'one'],
      [true, 2, 'two'],
      [false, 2, 'two'],
      [true, 3, 'three'],
    ]);
    expect(await stored(room)).toEqual([
      [1, 'one'],
      [2, 'two'],
      [3, 'three'],
    ]);
  });

  it('answers a clientMsgId stored by an earlier batch with the original', async () => {
    const room = uniqueRoom();
    await Promise.all([
      queue.append(message(room, 'one', 'c1')),
      queue.append(message(room, 'two', 'c2')),
    ]);
    const results = await Promise.all([
      queue.append(message(room, 'new', 'c3')),
      queue.append(message(room, 'retry', 'c1')),
    ]);

    expect(results.map(({ created, message: m }) => [created, m.seq, m.text])).toEqual([
      [true, 3, 'new'],
      [false, 1, 'one'],
    ]);
    expect(await stored(room)).toEqual([
      [1, 'one'],
      [2, 'two'],
      [3, 'new'],
    ]);
  });

  it('stores a clientMsgId racing on two instances once, gap-free, and answers both with it', async () => {
    const room = uniqueRoom();
    const rounds = 20;
    const sends = (instance: MessageCommitQueue, label: string) =>
      Array.from({ length: rounds }, (_, i) => [
        instance.append(message(room, `${label}-${i}`, `shared-${i}`)),
        instance.append(message(room, `${label}-own-${i}`, `${label}-${i}`)),
      ]).flat();
    const [mine, theirs] = await Promise.all([
      Promise.all(sends(queue, 'x')),
      Promise.all(sends(otherQueue, 'y')),
    ]);

    for (let i = 0; i < rounds; i++) {
      const [x, y] = [mine[2 * i], theirs[2 * i]];
      expect(x.message.id).toBe(y.message.id);
      expect([x.created, y.created].sort()).toEqual([false, true]);
    }
    const rows = await stored(room);
    expect(rows.map(([seq]) => seq)).toEqual(rows.map((_, index) => index + 1));
    expect(rows).toHaveLength(rounds * 3);
  });
});
