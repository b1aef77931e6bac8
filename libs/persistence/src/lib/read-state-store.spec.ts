import { testConfig, uniqueRoom } from '@switchboard/testing';
import { DataSource } from 'typeorm';
import { createDataSource } from './data-source';
import { MessageStore } from './message-store';
import { POSITION_SQL, ReadStateStore } from './read-state-store';
import { RoomStore } from './room-store';

describe('ReadStateStore (PostgreSQL)', () => {
  let dataSource: DataSource;
  let readState: ReadStateStore;
  let messages: MessageStore;
  let rooms: RoomStore;

  const post = (room: string, userId: string, text = 'hi') =>
    messages.append({ room, userId, userName: userId, text, clientMsgId: null });

  beforeAll(async () => {
    dataSource = await createDataSource(testConfig('history').databaseUrl, 4).initialize();
    readState = new ReadStateStore(dataSource);
    messages = new MessageStore(dataSource);
    rooms = new RoomStore(dataSource);
  });

  afterAll(async () => {
    await dataSource.destroy();
  });

  it('moves a position forward only, clamped to the room, and says whether it moved', async () => {
    const room = uniqueRoom();
    await rooms.recordMember(room, 'ada');
    await expect(readState.advance(room, 'ada', 5)).resolves.toEqual({
      lastReadSeq: 0,
      moved: false,
    });
    for (let i = 0; i < 3; i++) await post(room, 'bob');
    await expect(readState.advance(room, 'ada', 2)).resolves.toEqual({
      lastReadSeq: 2,
      moved: true,
    });
    await expect(readState.advance(room, 'ada', 1)).resolves.toEqual({
      lastReadSeq: 2,
      moved: false,
    });
    await expect(readState.advance(room, 'ada', 50)).resolves.toEqual({
      lastReadSeq: 3,
      moved: true,
    });
    await expect(readState.advance(room, 'nobody', 1)).resolves.toBeNull();
  });

  it("gives a join's standing with the position a read would give, and a non-member's as if just joined", async () => {
    const room = uniqueRoom();
    await rooms.recordMember(room, 'ada');
    await post(room, 'bob');
    await post(room, 'ada');
    await post(room, 'bob');
    await readState.advance(room, 'ada', 1);
    const member = await rooms.joinStanding(room, 'ada');
    expect(member.standing).toEqual(await rooms.standing(room, 'ada'));
    expect(member.position).toEqual(await readState.position(room, 'ada'));
    expect(member.position).toEqual({ lastReadSeq: 1, unread: 1 });

    const outsider = await rooms.joinStanding(room, 'cy');
    expect(outsider.standing.member).toBeNull();
    expect(outsider.position).toEqual({ lastReadSeq: 0, unread: 3 });
    await rooms.recordMember(room, 'cy');
    await expect(readState.position(room, 'cy')).resolves.toEqual(outsider.position);
  });

  it("counts as unread only other users' messages after the position", async () => {
    const room = uniqueRoom();
    await rooms.recordMember(room, 'ada');
    await post(room, 'bob');
    await post(room, 'ada');
    await post(room, 'bob');
    await post(room, 'cy');
    await expect(readState.position(room, 'ada')).resolves.toEqual({ lastReadSeq: 0, unread: 3 });
    await readState.advance(room, 'ada', 3);
    await expect(readState.position(room, 'ada')).resolves.toEqual({ lastReadSeq: 3, unread: 1 });
    await expect(readState.position(room, 'nobody')).resolves.toBeNull();
  });

  it('counts unread messages from the index, reading only the rows after the position', async () => {
    const room = uniqueRoom();
    await rooms.recordMember(room, 'ada');
    const runner = dataSource.createQueryRunner();
    try {
      // A tiny table would be scanned whole; without that choice the plan shows what the index allows.
      await runner.query('SET enable_seqscan = off');
      const plan = (
        (await runner.query(`EXPLAIN ${POSITION_SQL}`, [room, 'ada'])) as { 'QUERY PLAN': string }[]
      )
        .map((row) => row['QUERY PLAN'])
        .join('\n');
      expect(plan).toContain('Index Only Scan using messages_room_seq_key');
      expect(plan).toMatch(/Index Cond: \(\(room = .*\) AND \(seq > m\.last_read_seq\)\)/);
    } finally {
      await runner.query('RESET enable_seqscan');
      await runner.release();
    }
  });

  it('lists an inbox by the newest activity: the newest message, else when the user joined', async () => {
    const user = uniqueRoom('user');
    const quiet = uniqueRoom('quiet');
    const busy = uniqueRoom('busy');
    const newer = uniqueRoom('newer');
    await rooms.recordMember(busy, user);
    await rooms.recordMember(quiet, user);
    await post(busy, 'bob', 'first');
    await rooms.recordMember(newer, user);
    await post(newer, 'bob', 'latest');
    await rooms.putRoom(quiet, 'open', 'Quiet');

    const inbox = await readState.inbox(user);
    expect(inbox.map((entry) => entry.room)).toEqual([newer, busy, quiet]);
    expect(inbox[2]).toEqual({
      room: quiet,
      access: 'open',
      title: 'Quiet',
      unread: 0,
      lastReadSeq: 0,
      lastMessage: null,
    });
    expect(inbox[0].lastMessage).toMatchObject({ room: newer, seq: 1, text: 'latest' });
    await expect(readState.inbox(uniqueRoom('nobody'))).resolves.toEqual([]);
  });
});
