import { testConfig, uniqueRoom, waitFor } from '@switchboard/testing';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { createDataSource } from './data-source';
import { MessageStore, NewMessage } from './message-store';

function message(room: string, text: string, clientMsgId: string | null = null): NewMessage {
  return { room, userId: 'ada', userName: 'Ada', text, clientMsgId };
}

describe('MessageStore.appendBatch (PostgreSQL)', () => {
  // Two data sources stand for two gateway instances committing at once.
  let first: DataSource;
  let second: DataSource;
  let store: MessageStore;
  let otherStore: MessageStore;

  beforeAll(async () => {
    const url = testConfig('history').databaseUrl;
    first = await createDataSource(url, 4).initialize();
    second = await createDataSource(url, 4).initialize();
    store = new MessageStore(first);
    otherStore = new MessageStore(second);
  });

  afterAll(async () => {
    await first.destroy();
    await second.destroy();
  });

  async function storedTexts(room: string): Promise<string[]> {
    const rows = await first.query<{ text: string; seq: string }[]>(
      'SELECT text, seq FROM messages WHERE room = $1 ORDER BY seq',
      [room],
    );
    rows.forEach((row, index) => expect(Number(row.seq)).toBe(index + 1));
    return rows.map((row) => row.text);
  }

  it('commits messages to several rooms in one statement, seqs in input order per room', async () => {
    const lobby = uniqueRoom();
    const kitchen = uniqueRoom();
    await store.append(message(lobby, 'before'));

    const results = await store.appendBatch([
      message(lobby, 'l1', 'a'),
      message(kitchen, 'k1'),
      message(lobby, 'l2 \'quoted\' \\ "x"'),
      message(kitchen, 'k2', 'b'),
    ]);

    expect(results.map(({ created, message: m }) => [created, m.room, m.seq, m.text])).toEqual([
      [true, lobby, 2, 'l1'],
      [true, kitchen, 1, 'k1'],
      [true, lobby, 3, 'l2 \'quoted\' \\ "x"'],
      [true, kitchen, 2, 'k2'],
    ]);
    expect(results[0].message).toMatchObject({
      user: { id: 'ada', name: 'Ada' },
      clientMsgId: 'a',
    });
    expect(new Set(results.map((result) => result.message.id)).size).toBe(4);
    expect(await storedTexts(lobby)).toEqual(['before', 'l1', 'l2 \'quoted\' \\ "x"']);
    expect(await storedTexts(kitchen)).toEqual(['k1', 'k2']);
    expect(await store.lastSeq(lobby)).toBe(3);
  });

  it('refuses a batch repeating a clientMsgId as a whole, using up no seq', async () => {
    const room = uniqueRoom();
    await store.append(message(room, 'original', 'same'));

    await expect(
      store.appendBatch([message(room, 'new'), message(room, 'again', 'same')]),
    ).rejects.toMatchObject({ code: '23505' });
    await expect(
      store.appendBatch([message(room, 'one', 'twice'), message(room, 'two', 'twice')]),
    ).rejects.toMatchObject({ code: '23505' });

    const { message: next } = await store.append(message(room, 'next'));
    expect(next.seq).toBe(2);
    expect(await storedTexts(room)).toEqual(['original', 'next']);
  });

  it('locks the rooms of a batch in sorted order, so batches listing them in opposite orders cannot deadlock', async () => {
    const room = uniqueRoom();
    const [a, b] = [`${room}-a`, `${room}-b`];
    await store.appendBatch([message(a, 'a0'), message(b, 'b0')]);
    const holder = new Client({ connectionString: testConfig('history').databaseUrl });
    await holder.connect();
    const lockWaits = async (): Promise<number> => {
      const { rows } = await holder.query<{ waiting: number }>(
        `SELECT count(*)::int AS waiting FROM pg_stat_activity
         WHERE datname = current_database() AND wait_event_type = 'Lock'`,
      );
      return rows[0].waiting;
    };
    await holder.query('BEGIN');
    await holder.query('SELECT 1 FROM room_sequences WHERE room = $1 FOR UPDATE', [a]);
    // The first batch queues for a; the second, were it to lock b first, would then hold b while
    // queued behind it for a: a deadlock once the holder lets go.
    const forward = store.appendBatch([message(a, 'x-a'), message(b, 'x-b')]);
    await waitFor(async () => (await lockWaits()) >= 1, 'the first batch to wait for room a');
    const backward = otherStore.appendBatch([message(b, 'y-b'), message(a, 'y-a')]);
    await waitFor(async () => (await lockWaits()) >= 2, 'the second batch to wait');
    await holder.query('COMMIT');
    await holder.end();

    await expect(Promise.all([forward, backward])).resolves.toHaveLength(2);
    expect(await storedTexts(a)).toEqual(['a0', 'x-a', 'y-a']);
    expect(await storedTexts(b)).toEqual(['b0', 'x-b', 'y-b']);
  });

  it('keeps seqs gap-free and each batch in order when two instances commit to the same rooms at once', async () => {
    const rooms = [uniqueRoom(), uniqueRoom()];
    const batches = 20;
    const perBatch = 10;
    // Each instance lists the rooms in the opposite order, which would deadlock without sorted locks.
    const batchOf = (instance: string, batch: number, order: string[]) =>
      Array.from({ length: perBatch }, (_, i) =>
        message(order[i % 2], `${instance}-${batch}-${String(i).padStart(2, '0')}`),
      );
    await Promise.all([
      (async () => {
        for (let b = 0; b < batches; b++) await store.appendBatch(batchOf('x', b, rooms));
      })(),
      (async () => {
        for (let b = 0; b < batches; b++)
          await otherStore.appendBatch(batchOf('y', b, [...rooms].reverse()));
      })(),
    ]);

    for (const room of rooms) {
      const texts = await storedTexts(room);
      expect(texts).toHaveLength(batches * perBatch);
      // Every instance's messages appear in the order it sent them.
      for (const instance of ['x', 'y']) {
        const own = texts.filter((text) => text.startsWith(instance));
        const sortedByBatch = [...own].sort(
          (a, b) => Number(a.split('-')[1]) - Number(b.split('-')[1]) || a.localeCompare(b),
        );
        expect(own).toEqual(sortedByBatch);
      }
    }
  });
});
