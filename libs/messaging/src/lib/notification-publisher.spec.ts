import { MessageBus, RedisMessageBus } from '@switchboard/bus';
import {
  createDataSource,
  NotificationStore,
  RECIPIENT_LOCK_CLASS,
} from '@switchboard/persistence';
import { BusChannels } from '@switchboard/protocol';
import { RedisConnections } from '@switchboard/redis';
import { testConfig, waitFor } from '@switchboard/testing';
import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { NotificationPublisher } from './notification-publisher';

type Announcement = BusChannels['notifications'];

/**
 * The announcements one instance's bus was handed, in order, with a gate that can hold its next
 * publish. Catch-up signals are not recorded: another spec file's failed announcement in the same
 * lock bucket may add one at any time.
 */
class RecordingBus {
  held: (() => void) | undefined;
  holdNext = false;

  constructor(private readonly announced: Announcement[]) {}

  async publish(channel: keyof BusChannels, _key: string, payload: Announcement): Promise<void> {
    if (this.holdNext) {
      this.holdNext = false;
      await new Promise<void>((release) => (this.held = release));
    }
    if (channel === 'notifications') this.announced.push(payload);
  }
}

describe('NotificationPublisher on PostgreSQL: live order', () => {
  // Two data sources, two buses and two publishers stand for two notification instances.
  let first: DataSource;
  let second: DataSource;

  beforeAll(async () => {
    const url = testConfig('notifications').databaseUrl;
    first = await createDataSource(url, 4).initialize();
    second = await createDataSource(url, 4).initialize();
  });

  afterAll(async () => {
    await first.destroy();
    await second.destroy();
  });

  it('announces a user’s notifications in id order even when the earlier one is slow to announce', async () => {
    const ada = `user-${randomBytes(5).toString('hex')}`;
    const announced: Announcement[] = [];
    const slowBus = new RecordingBus(announced);
    const bus = new RecordingBus(announced);
    const slow = new NotificationPublisher(
      new NotificationStore(first),
      slowBus as unknown as MessageBus,
    );
    const other = new NotificationPublisher(
      new NotificationStore(second),
      bus as unknown as MessageBus,
    );

    slowBus.holdNext = true;
    const earlier = slow.publish([ada], { type: 't', title: 'earlier', body: '' });
    await waitFor(() => slowBus.held !== undefined, 'the earlier publish committed and announcing');
    const later = other.publish([ada], { type: 't', title: 'later', body: '' });
    // The later publish may not commit (nor announce) before the earlier one has been announced.
    await waitFor(
      async () =>
        (
          await first.query<unknown[]>(
            `SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND NOT granted`,
          )
        ).length > 0,
      'the later publish waiting for ada’s lock',
    );
    expect(announced).toEqual([]);
    slowBus.held?.();

    const [earlierBatch, laterBatch] = await Promise.all([earlier, later]);
    expect(BigInt(laterBatch.recipients[0].id)).toBeGreaterThan(
      BigInt(earlierBatch.recipients[0].id),
    );
    expect(announced.map(({ content }) => content.title)).toEqual(['earlier', 'later']);
  });

  it('announces a publish with its id and content once and the recipients’ user ids', async () => {
    const [ada, bob] = [0, 1].map((n) => `user-${n}-${randomBytes(5).toString('hex')}`);
    const announced: Announcement[] = [];
    const publisher = new NotificationPublisher(
      new NotificationStore(first),
      new RecordingBus(announced) as unknown as MessageBus,
    );
    const stored = await publisher.publish([bob, ada, bob], {
      type: 't',
      title: 'both',
      body: '',
      data: { n: 1 },
    });
    expect(announced).toEqual([
      { id: stored.recipients[0].id, content: stored.content, userIds: [ada, bob] },
    ]);
  });

  it('releases the recipients’ locks when the announcement fails, so later publishes go on', async () => {
    const ada = `user-${randomBytes(5).toString('hex')}`;
    const failing = {
      publish: () => Promise.reject(new Error('bus down')),
    } as unknown as MessageBus;
    const publisher = new NotificationPublisher(new NotificationStore(first), failing);
    const stored = await publisher.publish([ada], { type: 't', title: 'first', body: '' });
    const next = await new NotificationPublisher(
      new NotificationStore(second),
      new RecordingBus([]) as unknown as MessageBus,
    ).publish([ada], { type: 't', title: 'second', body: '' });
    expect(BigInt(next.recipients[0].id)).toBeGreaterThan(BigInt(stored.recipients[0].id));
  });

  describe('an announcement owed after the commit', () => {
    const { redisUrl, redisKeyPrefix } = testConfig('notifications');
    let connections: RedisConnections;
    let bus: MessageBus;
    /** What every instance hears, in order: `missed`, or the id of each announced notification. */
    let heard: string[];
    let stopHearing: (() => Promise<void>)[];

    beforeAll(async () => {
      connections = new RedisConnections({ url: redisUrl!, keyPrefix: redisKeyPrefix });
      bus = new RedisMessageBus(connections);
    });

    beforeEach(async () => {
      heard = [];
      stopHearing = [
        await bus.subscribe('notifications', '', ({ id }) => heard.push(id)),
        await bus.subscribe('notifications-missed', '', () => heard.push('missed')),
      ];
    });

    afterEach(() => Promise.all(stopHearing.map((stop) => stop())));
    afterAll(() => connections.close());

    const healthy = () => new NotificationPublisher(new NotificationStore(second), bus);
    const refusing = () =>
      new NotificationPublisher(new NotificationStore(first), {
        publish: () => Promise.reject(new Error('bus down')),
      } as unknown as MessageBus);

    const isOwed = async (id: string) =>
      (
        await first.query<unknown[]>(
          'SELECT 1 FROM notification_announcements_owed WHERE notification_id = $1',
          [id],
        )
      ).length > 0;

    /** Whether a catch-up signal went out, from any instance, before `id` was announced. */
    const toldBefore = (id: string) => {
      const announced = heard.indexOf(id);
      return announced > 0 && heard.slice(0, announced).includes('missed');
    };

    /** A user whose last notification was refused by the bus, and that notification's id. */
    async function afterARefusedAnnouncement(): Promise<{ ada: string; refused: string }> {
      const ada = `user-${randomBytes(5).toString('hex')}`;
      const stored = await refusing().publish([ada], { type: 't', title: 'refused', body: '' });
      return { ada, refused: stored.recipients[0].id };
    }

    /** A user's publish on an instance whose bus holds it: committed, its announcement not yet made. */
    async function heldMidAnnouncement(): Promise<{
      ada: string;
      bus: RecordingBus;
      publishing: Promise<unknown>;
    }> {
      const ada = `user-${randomBytes(5).toString('hex')}`;
      const bus = new RecordingBus([]);
      bus.holdNext = true;
      const publishing = new NotificationPublisher(
        new NotificationStore(first),
        bus as unknown as MessageBus,
      ).publish([ada], { type: 't', title: 'held', body: '' });
      await waitFor(() => bus.held !== undefined, 'the publish committed and announcing');
      return { ada, bus, publishing };
    }

    it('after a refused announcement, the next publish to the user tells every instance first', async () => {
      const { ada, refused } = await afterARefusedAnnouncement();
      const next = await healthy().publish([ada], { type: 't', title: 'next', body: '' });
      const id = next.recipients[0].id;
      await waitFor(() => heard.includes(id), 'the next notification announced');
      expect(toldBefore(id)).toBe(true);
      expect(heard).not.toContain(refused);
      expect(await isOwed(refused)).toBe(false);
      expect(await isOwed(id)).toBe(false);
    });

    it('after a publisher died between its commit and its announcement, the next publish tells every instance first', async () => {
      const { ada, bus: dying, publishing: died } = await heldMidAnnouncement();
      // Its PostgreSQL session ends as a killed process's would: its locks go, its row stays. The
      // session is the one holding the bucket lock of ada's owed notification.
      const [{ terminated }] = await second.query<{ terminated: number }[]>(
        `SELECT count(pg_terminate_backend(l.pid))::int AS terminated
         FROM notification_inbox i
         JOIN notification_announcements_owed o ON o.notification_id = i.notification_id
         JOIN pg_locks l ON l.locktype = 'advisory' AND l.granted AND l.classid = $2
           AND l.objid = o.buckets[1] AND l.objsubid = 2
           AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
         WHERE i.user_id = $1`,
        [ada, RECIPIENT_LOCK_CLASS],
      );
      expect(terminated).toBe(1);
      const next = await healthy().publish([ada], { type: 't', title: 'next', body: '' });
      const id = next.recipients[0].id;
      await waitFor(() => heard.includes(id), 'the next notification announced');
      expect(toldBefore(id)).toBe(true);
      dying.held?.();
      await died;
    });

    it('is settled by the sweep of any instance without another publish', async () => {
      const { refused } = await afterARefusedAnnouncement();
      const sweeper = healthy();
      await waitFor(async () => {
        await sweeper.settleOwed();
        return !(await isOwed(refused));
      }, 'the refused announcement settled');
      await waitFor(() => heard.includes('missed'), 'every instance told');
      expect(heard).not.toContain(refused);
    });

    it('is left to its publisher by a sweep while the publisher still holds its locks', async () => {
      const { ada, bus: slow, publishing } = await heldMidAnnouncement();
      const [{ id }] = await first.query<{ id: string }[]>(
        `SELECT notification_id::text AS id FROM notification_inbox WHERE user_id = $1`,
        [ada],
      );
      await healthy().settleOwed();
      expect(await isOwed(id)).toBe(true);
      slow.held?.();
      await publishing;
      expect(await isOwed(id)).toBe(false);
    });
  });
});
