import { testConfig, waitFor } from '@switchboard/testing';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { createDataSource } from './data-source';
import { NotificationStore, RECIPIENT_LOCK_CLASS, recipientLockBucket } from './notification-store';

describe('NotificationStore publish (PostgreSQL)', () => {
  let dataSource: DataSource;
  let store: NotificationStore;

  const newUser = () => `user-${randomBytes(5).toString('hex')}`;
  const content = (title: string) => ({ type: 't', title, body: `body of ${title}` });
  const idsOf = async (userId: string) =>
    (await store.listAfter(userId, '0', 1000)).map((notification) => notification.id);

  beforeAll(async () => {
    dataSource = await createDataSource(testConfig('notifications').databaseUrl, 8).initialize();
    store = new NotificationStore(dataSource);
  });

  afterAll(async () => {
    await dataSource.destroy();
  });

  it('stores a publish to many users once: one content row, one id for every recipient', async () => {
    const users = [newUser(), newUser(), newUser()];
    const published = await store.publish([users[2], users[0], users[2], users[1]], {
      ...content('shared'),
      data: { n: 1 },
    });

    expect(published.recipients.map(({ userId }) => userId)).toEqual([...users].sort());
    const [{ id }] = published.recipients;
    expect(published.recipients.every((recipient) => recipient.id === id)).toBe(true);
    const [{ count }] = await dataSource.query<{ count: string }[]>(
      'SELECT count(*) FROM notification_contents WHERE id = $1',
      [id],
    );
    expect(count).toBe('1');
    for (const userId of users)
      await expect(store.listAfter(userId, '0', 10)).resolves.toEqual([
        {
          id,
          userId,
          type: 't',
          title: 'shared',
          body: 'body of shared',
          data: { n: 1 },
          ts: published.content.ts,
        },
      ]);
  });

  it('hands out a user’s ids in commit order: a publish waits for one in flight to the same user', async () => {
    const [ada, bob] = [newUser(), newUser()];
    // Another publisher in flight: it holds ada's bucket and has taken its id, uncommitted.
    const other = new Client({ connectionString: testConfig('notifications').databaseUrl });
    await other.connect();
    try {
      await other.query('BEGIN');
      await other.query('SELECT pg_advisory_xact_lock($1, $2)', [
        RECIPIENT_LOCK_CLASS,
        recipientLockBucket(ada),
      ]);
      const {
        rows: [{ id: inFlightId }],
      } = await other.query<{ id: string }>(
        `INSERT INTO notification_contents (type, title, body) VALUES ('t', 'in flight', '')
         RETURNING id::text AS id`,
      );
      await other.query(
        'INSERT INTO notification_inbox (user_id, notification_id) VALUES ($1, $2)',
        [ada, inFlightId],
      );

      const later = store.publish([bob, ada], content('later'));
      await waitFor(
        async () =>
          (
            await dataSource.query<unknown[]>(
              `SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND classid = $1 AND NOT granted`,
              [RECIPIENT_LOCK_CLASS],
            )
          ).length > 0,
        'the later publish waiting for ada’s bucket',
      );
      // Nothing of the later publish is visible while the earlier one is uncommitted.
      await expect(idsOf(ada)).resolves.toEqual([]);
      await expect(idsOf(bob)).resolves.toEqual([]);

      await other.query('COMMIT');
      const laterId = (await later).recipients[0].id;
      expect(BigInt(laterId)).toBeGreaterThan(BigInt(inFlightId));
      await expect(idsOf(ada)).resolves.toEqual([inFlightId, laterId]);
    } finally {
      await other.end();
    }
  });

  it('keeps every user’s ids gap-free and growing under concurrent publishes to overlapping users', async () => {
    const users = Array.from({ length: 5 }, newUser);
    const audiences = Array.from({ length: 40 }, (_, n) =>
      users.filter((_user, index) => (n + index) % 3 !== 0),
    );
    // A reader polling each user's page from its cursor, as a resuming stream does, while publishes commit.
    const seen = new Map(users.map((userId) => [userId, [] as string[]]));
    let publishing = true;
    const reader = (async () => {
      while (publishing)
        for (const userId of users) {
          const ids = seen.get(userId) as string[];
          for (const { id } of await store.listAfter(userId, ids.at(-1) ?? '0', 1000)) ids.push(id);
        }
    })();
    const published = await Promise.all(
      audiences.map((audience, n) => store.publish(audience, content(`p${n}`))),
    );
    publishing = false;
    await reader;

    for (const userId of users) {
      const expected = published
        .flatMap(({ recipients }) => recipients)
        .filter((recipient) => recipient.userId === userId)
        .map(({ id }) => BigInt(id))
        .sort((a, b) => (a < b ? -1 : 1))
        .map(String);
      const ids = await idsOf(userId);
      expect(ids).toEqual(expected);
      // What the reader saw from its cursor is a prefix of the user's ids: nothing committed behind it.
      expect(expected.slice(0, seen.get(userId)?.length)).toEqual(seen.get(userId));
    }
  });

  it('counts a shared publish as unread for each recipient and marks it read for one only', async () => {
    const [ada, bob] = [newUser(), newUser()];
    const { recipients } = await store.publish([ada, bob], content('both'));
    await expect(store.markRead(ada, recipients[0].id)).resolves.toEqual({
      lastReadId: recipients[0].id,
      unread: 0,
      moved: true,
    });
    await expect(store.readState(bob)).resolves.toEqual({ lastReadId: '0', unread: 1 });
    await expect(store.newestId(bob)).resolves.toBe(recipients[0].id);
  });
});
