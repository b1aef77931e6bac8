import { testConfig, uniqueRoom } from '@switchboard/testing';
import { DataSource } from 'typeorm';
import { createDataSource, poolOf } from './data-source';
import { MessageStore, PageQuery } from './message-store';
import { RoomStore } from './room-store';

/** pg's callback for `client.query(config, callback)`. */
type Callback = (error: Error | null, result: unknown) => void;

const ada = { userId: 'ada', userName: 'Ada' };

describe('MessageStore.readerPage (PostgreSQL)', () => {
  let dataSource: DataSource;
  let store: MessageStore;
  let rooms: RoomStore;

  beforeAll(async () => {
    dataSource = await createDataSource(testConfig('history').databaseUrl, 4).initialize();
    store = new MessageStore(dataSource);
    rooms = new RoomStore(dataSource);
  });

  afterAll(async () => {
    await dataSource.destroy();
  });

  /** What readerPage answers must be what the standing read and the page read answer apart. */
  async function expectSameAsApart(room: string, userId: string, query: PageQuery): Promise<void> {
    const together = await store.readerPage(room, userId, query);
    expect(together).toEqual({
      standing: await rooms.standing(room, userId),
      page: await store.page(room, query),
    });
  }

  /** A room of five messages, the second edited and the fourth deleted (seqs 1–7). */
  async function roomWithChanges(room: string): Promise<void> {
    const ids: string[] = [];
    for (const text of ['one', 'two', 'three', 'four', 'five']) {
      const { message } = await store.append({ room, ...ada, text, clientMsgId: `c-${text}` });
      ids.push(message.id);
    }
    await store.edit(room, ids[1], 'two!', ada);
    await store.delete(room, ids[3], ada);
  }

  const QUERIES: [string, PageQuery][] = [
    ['the newest page', { limit: 50 }],
    ['a page before a seq', { before: 4, limit: 2 }],
    ['a page after a seq, with the edits and deletes in it', { after: 1, limit: 50 }],
    ['a page after a seq with more after it', { after: 1, limit: 2 }],
    ['a page between two seqs', { after: 1, before: 7, limit: 50 }],
    ['an empty page', { after: 7, limit: 50 }],
  ];

  it.each(QUERIES)(
    'reads %s, and the standing of a member of an open room',
    async (_name, query) => {
      const room = uniqueRoom();
      await roomWithChanges(room);
      await rooms.recordMember(room, 'ada');
      await expectSameAsApart(room, 'ada', query);
    },
  );

  it.each(QUERIES)('reads %s, and the standing in a room without a row', async (_name, query) => {
    const room = uniqueRoom();
    await roomWithChanges(room);
    await expectSameAsApart(room, 'bob', query);
  });

  it('gives times to the millisecond as pg’s Date parsing gives them, microseconds truncated', async () => {
    const room = uniqueRoom();
    const times = [
      '2026-11-27 04:12:50.123456+00',
      '2026-11-27 04:12:50.999999+00',
      '2026-11-27 04:12:51.0005+00',
      '2026-11-27 04:12:52+00',
      '1969-12-31 23:59:59.9995+00',
    ];
    await dataSource.query(
      `INSERT INTO messages (room, seq, user_id, user_name, text, created_at, edited_at)
       SELECT $1, n, 'ada', 'Ada', 'hi', t, t FROM unnest($2::timestamptz[]) WITH ORDINALITY AS x(t, n)`,
      [room, times],
    );
    const parsed = await dataSource.query<{ created_at: Date }[]>(
      'SELECT created_at FROM messages WHERE room = $1 ORDER BY seq',
      [room],
    );
    const expected = parsed.map((row) => row.created_at.getTime());
    const { page } = await store.readerPage(room, 'ada', { limit: 50 });
    expect(page.messages.map((message) => message.ts)).toEqual(expected);
    expect(page.messages.map((message) => 'editedAt' in message && message.editedAt)).toEqual(
      expected,
    );
  });

  it('reads the standing of a private room’s admin and of a non-member', async () => {
    const room = uniqueRoom();
    await roomWithChanges(room);
    await rooms.putRoom(room, 'private', 'Secret');
    await rooms.putMember(room, 'ada', 'admin');
    await expectSameAsApart(room, 'ada', { limit: 3 });
    await expectSameAsApart(room, 'bob', { limit: 3 });
  });

  it('reads the standing of a direct room, and of a room with no messages', async () => {
    // Users of their own: a pair has one direct room in the whole database.
    const pair: [string, string] = [uniqueRoom('a'), uniqueRoom('b')];
    const room = `dm:${pair.join(':')}`;
    await rooms.openDirect(room, pair);
    await expectSameAsApart(room, pair[0], { limit: 50 });
    await expectSameAsApart(room, 'eve', { after: 0, limit: 50 });
  });

  it('reads the page and the standing on one connection, the second sent before the first is answered', async () => {
    const room = uniqueRoom();
    await roomWithChanges(room);
    const pool = poolOf(dataSource);
    // The client the read checks out next: the most recently released one.
    const client = await pool.connect();
    client.release();
    const query = client.query.bind(client) as (config: unknown, done: Callback) => void;
    // pg's own socket: what it has written when the first statement's answer arrives.
    const { stream } = (client as unknown as { connection: { stream: NodeJS.WritableStream } })
      .connection;
    const writes = jest.spyOn(stream, 'write');
    let writtenWhenFirstAnswered: number | undefined;
    const connects = jest.spyOn(pool, 'connect');
    const queries = jest
      .spyOn(client, 'query')
      .mockImplementation((config: unknown, done: Callback) =>
        query(config, (error, result) => {
          writtenWhenFirstAnswered ??= writes.mock.calls.length;
          done(error, result);
        }),
      );
    try {
      await store.readerPage(room, 'ada', { limit: 50 });
      expect(connects).toHaveBeenCalledTimes(1);
      expect(queries).toHaveBeenCalledTimes(2);
      expect(writtenWhenFirstAnswered).toBe(writes.mock.calls.length);
    } finally {
      connects.mockRestore();
      queries.mockRestore();
      writes.mockRestore();
    }
  });
});
