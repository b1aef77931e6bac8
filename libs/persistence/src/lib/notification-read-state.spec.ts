import { testConfig } from '@switchboard/testing';
import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { createDataSource } from './data-source';
import { NotificationStore } from './notification-store';

describe('NotificationStore read state (PostgreSQL)', () => {
  let dataSource: DataSource;
  let store: NotificationStore;

  const newUser = () => `user-${randomBytes(5).toString('hex')}`;
  const notify = async (userId: string) =>
    (await store.publish([userId], { type: 't', title: 'x', body: 'y' })).recipients[0].id;

  beforeAll(async () => {
    dataSource = await createDataSource(testConfig('notifications').databaseUrl, 4).initialize();
    store = new NotificationStore(dataSource);
  });

  afterAll(async () => {
    await dataSource.destroy();
  });

  it('starts with everything unread at position 0, a user never notified included', async () => {
    const ada = newUser();
    await expect(store.readState(ada)).resolves.toEqual({ lastReadId: '0', unread: 0 });
    await notify(ada);
    await notify(ada);
    await expect(store.readState(ada)).resolves.toEqual({ lastReadId: '0', unread: 2 });
  });

  it('moves forward only, clamped to the newest notification of the user, and says whether it moved', async () => {
    const ada = newUser();
    const bob = newUser();
    const first = await notify(ada);
    const second = await notify(ada);
    const third = await notify(ada);
    const bobs = await notify(bob);

    await expect(store.markRead(ada, second)).resolves.toEqual({
      lastReadId: second,
      unread: 1,
      moved: true,
    });
    await expect(store.markRead(ada, first)).resolves.toEqual({
      lastReadId: second,
      unread: 1,
      moved: false,
    });
    // Past the user's newest (here another user's later id) is their newest.
    await expect(store.markRead(ada, String(BigInt(bobs) + 1000n))).resolves.toEqual({
      lastReadId: third,
      unread: 0,
      moved: true,
    });
    await expect(store.readState(bob)).resolves.toEqual({ lastReadId: '0', unread: 1 });
    const fourth = await notify(ada);
    await expect(store.readState(ada)).resolves.toEqual({ lastReadId: third, unread: 1 });
    expect(BigInt(fourth)).toBeGreaterThan(BigInt(third));
  });

  it('moves nothing for a user never notified', async () => {
    const cy = newUser();
    await expect(store.markRead(cy, '42')).resolves.toEqual({
      lastReadId: '0',
      unread: 0,
      moved: false,
    });
  });
});
