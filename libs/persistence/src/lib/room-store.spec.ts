import { testConfig, uniqueRoom } from '@switchboard/testing';
import { DataSource } from 'typeorm';
import { createDataSource, poolOf } from './data-source';
import { DIRECT_PARTNERS_SQL, RoomStore } from './room-store';
import { UserStore } from './user-store';

describe('RoomStore and UserStore (PostgreSQL)', () => {
  let dataSource: DataSource;
  let rooms: RoomStore;
  let users: UserStore;

  beforeAll(async () => {
    dataSource = await createDataSource(testConfig('history').databaseUrl, 4).initialize();
    rooms = new RoomStore(dataSource);
    users = new UserStore(dataSource);
  });

  afterAll(async () => {
    await dataSource.destroy();
  });

  it("finds a user's direct partners from indexes, whichever side of the pair the user is", async () => {
    // Enough direct rooms, with statistics, that the planner weighs a scan against the indexes as it
    // would in production.
    const prefix = uniqueRoom('pair');
    await dataSource.query(
      `INSERT INTO rooms (room, access, direct_user_a, direct_user_b)
       SELECT $1 || n, 'direct', $1 || 'a' || n, $1 || 'b' || n FROM generate_series(1, 5000) AS n`,
      [prefix],
    );
    await dataSource.query('ANALYZE rooms');
    const runner = dataSource.createQueryRunner();
    try {
      const plan = (
        (await runner.query(`EXPLAIN ${DIRECT_PARTNERS_SQL}`, ['ada'])) as {
          'QUERY PLAN': string;
        }[]
      )
        .map((row) => row['QUERY PLAN'])
        .join('\n');
      expect(plan).not.toContain('Seq Scan');
      expect(plan).toMatch(
        /Index Scan on rooms_direct_pair_key .*\n\s+Index Cond: \(\(direct_user_a\)::text = 'ada'/,
      );
      expect(plan).toMatch(
        /Index Scan on rooms_direct_user_b_idx .*\n\s+Index Cond: \(\(direct_user_b\)::text = 'ada'/,
      );
    } finally {
      await runner.release();
    }
  });

  it('reads an unknown room and no membership in one round trip', async () => {
    await expect(rooms.standing(uniqueRoom(), 'ada')).resolves.toEqual({
      room: null,
      member: null,
    });
  });

  /**
   * An open room with a member (ada) and a message from bob, a direct room of ada and bob, and asks
   * for members, strangers and an unknown room; `read` is called for all at once, then one by one.
   */
  async function readTogetherAndAlone<T>(read: (room: string, userId: string) => Promise<T>) {
    const [open, direct, unknown] = [uniqueRoom(), `dm:${uniqueRoom()}`, uniqueRoom()];
    // Users of their own: a pair has one direct room.
    const [ada, bob] = [uniqueRoom('user'), uniqueRoom('user')];
    await rooms.recordMember(open, ada);
    await rooms.openDirect(direct, [ada, bob].sort() as [string, string]);
    await dataSource.query(
      `INSERT INTO messages (room, seq, user_id, user_name, text) VALUES ($1, 1, 'bob', 'bob', 'hi')`,
      [open],
    );
    const asks: [string, string][] = [
      [open, ada],
      [open, 'cy'],
      [direct, bob],
      [unknown, ada],
      [direct, 'cy'],
    ];
    const queries = jest.spyOn(poolOf(dataSource), 'query');
    let together: T[];
    try {
      together = await Promise.all(asks.map(([room, user]) => read(room, user)));
      // The first is read at once; the four asked meanwhile in one statement after it.
      expect(queries).toHaveBeenCalledTimes(2);
    } finally {
      queries.mockRestore();
    }
    const alone: T[] = [];
    for (const [room, user] of asks) alone.push(await read(room, user));
    expect(together).toEqual(alone);
    return { alone, open, ada, bob };
  }

  it('reads the standings asked while one is read together, each as it would be read alone', async () => {
    const { alone, open, ada, bob } = await readTogetherAndAlone((room, user) =>
      rooms.standing(room, user),
    );
    expect(alone[0]).toMatchObject({
      room: { room: open, access: 'open' },
      member: { userId: ada, role: 'member', lastReadSeq: 0 },
    });
    expect(alone[1]).toMatchObject({ room: { room: open }, member: null });
    expect(alone[2]).toMatchObject({
      room: { access: 'direct', directUsers: [ada, bob].sort() },
      member: { userId: bob },
    });
    expect(alone[3]).toEqual({ room: null, member: null });
    expect(alone[4]).toMatchObject({ room: { access: 'direct' }, member: null });
  });

  it('reads the join standings asked while one is read together, each as it would be read alone', async () => {
    const { alone, ada, bob } = await readTogetherAndAlone((room, user) =>
      rooms.joinStanding(room, user),
    );
    expect(alone[0].position).toEqual({ lastReadSeq: 0, unread: 1 });
    expect(alone[0].standing.member).toMatchObject({ userId: ada });
    expect(alone[1].standing.member).toBeNull();
    expect(alone[2].standing.room).toMatchObject({
      access: 'direct',
      directUsers: [ada, bob].sort(),
    });
    expect(alone[3]).toEqual({
      standing: { room: null, member: null },
      position: { lastReadSeq: 0, unread: 0 },
    });
  });

  it('records a joiner of an unknown room as a member of a new open room, once', async () => {
    const room = uniqueRoom();
    await rooms.recordMember(room, 'ada');
    await rooms.recordMember(room, 'ada');
    const standing = await rooms.standing(room, 'ada');
    expect(standing.room).toMatchObject({ room, access: 'open', title: null, directUsers: null });
    expect(standing.member).toEqual({ userId: 'ada', role: 'member', lastReadSeq: 0 });
    expect(await rooms.members(room)).toHaveLength(1);
  });

  it('creates a room, then updates it, keeping the title when none is given', async () => {
    const room = uniqueRoom();
    const created = await rooms.putRoom(room, 'private', 'Team');
    expect(created).toMatchObject({ created: true, room: { access: 'private', title: 'Team' } });
    const updated = await rooms.putRoom(room, 'open', undefined);
    expect(updated).toMatchObject({ created: false, room: { access: 'open', title: 'Team' } });
    expect(updated!.room.createdAt).toBe(created!.room.createdAt);
    await expect(rooms.putRoom(room, 'open', null)).resolves.toMatchObject({
      room: { title: null },
    });
  });

  it('adds, changes and removes members of an existing room only', async () => {
    const room = uniqueRoom();
    await expect(rooms.putMember(room, 'ada', 'admin')).resolves.toBeNull();
    await rooms.putRoom(room, 'private', undefined);
    await expect(rooms.putMember(room, 'bob', 'member')).resolves.toEqual({
      created: true,
      member: { userId: 'bob', role: 'member', lastReadSeq: 0 },
    });
    await expect(rooms.putMember(room, 'ada', 'admin')).resolves.toMatchObject({ created: true });
    await expect(rooms.putMember(room, 'bob', 'admin')).resolves.toMatchObject({
      created: false,
      member: { role: 'admin' },
    });
    await rooms.putMember(room, 'bob', 'member');
    expect((await rooms.members(room)).map((m) => [m.userId, m.role])).toEqual([
      ['ada', 'admin'],
      ['bob', 'member'],
    ]);
    await expect(rooms.removeMember(room, 'bob')).resolves.toBe(true);
    await expect(rooms.removeMember(room, 'bob')).resolves.toBe(false);
    const { members } = await rooms.standings(room, ['ada', 'bob', 'cy']);
    expect([...members.keys()]).toEqual(['ada']);
  });

  it('makes a direct room once, with both users as members, and never turns it into another room', async () => {
    const room = `dm:${uniqueRoom()}`;
    await expect(rooms.openDirect(room, ['ada', 'bob'])).resolves.toBe(true);
    await expect(rooms.openDirect(room, ['ada', 'bob'])).resolves.toBe(false);
    const standing = await rooms.standing(room, 'bob');
    expect(standing.room).toMatchObject({ access: 'direct', directUsers: ['ada', 'bob'] });
    expect(standing.member).toMatchObject({ role: 'member' });
    await expect(rooms.putRoom(room, 'open', undefined)).resolves.toBeNull();
    // A member who forgot it is a member again on their next join.
    await rooms.removeMember(room, 'ada');
    await rooms.recordMember(room, 'ada');
    expect((await rooms.standing(room, 'ada')).room?.access).toBe('direct');
    expect((await rooms.members(room)).map((m) => m.userId)).toEqual(['ada', 'bob']);
  });

  it("remembers a user's latest name and falls back to the id for users never seen", async () => {
    const id = uniqueRoom('user');
    await expect(users.find(id)).resolves.toEqual({ id, name: id });
    await users.remember({ id, name: 'Ada' });
    await users.remember({ id, name: 'Ada L.' });
    await expect(users.find(id)).resolves.toEqual({ id, name: 'Ada L.' });
  });

  it('writes the names given while a write is under way together, the latest name of a user winning', async () => {
    const [ada, bob] = [uniqueRoom('user'), uniqueRoom('user')];
    const queries = jest.spyOn(poolOf(dataSource), 'query');
    try {
      await Promise.all([
        users.remember({ id: ada, name: 'Ada' }),
        users.remember({ id: bob, name: 'Bob' }),
        users.remember({ id: ada, name: 'Ada L.' }),
        users.remember({ id: bob, name: 'Bob B.' }),
      ]);
      expect(queries).toHaveBeenCalledTimes(2);
    } finally {
      queries.mockRestore();
    }
    await expect(users.find(ada)).resolves.toEqual({ id: ada, name: 'Ada L.' });
    await expect(users.find(bob)).resolves.toEqual({ id: bob, name: 'Bob B.' });
  });
});
