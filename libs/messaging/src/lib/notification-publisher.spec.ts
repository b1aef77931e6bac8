import { MessageBus } from '@switchboard/bus';
import { createDataSource, NotificationStore } from '@switchboard/persistence';
import { BusChannels } from '@switchboard/protocol';
import { testConfig, waitFor } from '@switchboard/testing';
import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { NotificationPublisher } from './notification-publisher';

type Announcement = BusChannels['notifications'];

/** What one instance's bus was handed, in order, with a gate that can hold its next publish. */
class RecordingBus {
  held: (() => void) | undefined;
  holdNext = false;

  constructor(private readonly announced: Announcement[]) {}

  async publish(_channel: 'notifications', _key: string, payload: Announcement): Promise<void> {
    if (this.holdNext) {
      this.holdNext = false;
      await new Promise<void>((release) => (this.held = release));
    }
    this.announced.push(payload);
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

  /**
   * A publisher on a bus that refuses publishes while `down` (it records the channels it took), whose
   * first publish is refused; `then` runs with the bus back up.
   */
  async function afterOneFailedAnnouncement(
    then: (publisher: NotificationPublisher, channels: string[], ada: string) => Promise<void>,
  ): Promise<void> {
    const ada = `user-${randomBytes(5).toString('hex')}`;
    const state = { down: true, channels: [] as string[] };
    const bus = {
      publish: async (channel: string) => {
        if (state.down) throw new Error('bus down');
        state.channels.push(channel);
      },
    } as unknown as MessageBus;
    const publisher = new NotificationPublisher(new NotificationStore(first), bus);
    try {
      await publisher.publish([ada], { type: 't', title: 'unannounced', body: '' });
      state.down = false;
      await then(publisher, state.channels, ada);
    } finally {
      publisher.onApplicationShutdown();
    }
  }

  it('after a failed announcement tells every instance (notifications-missed) before its next one', async () => {
    await afterOneFailedAnnouncement(async (publisher, channels, ada) => {
      await publisher.publish([ada], { type: 't', title: 'next', body: '' });
      await publisher.publish([ada], { type: 't', title: 'after', body: '' });
      expect(channels).toEqual(['notifications-missed', 'notifications', 'notifications']);
    });
  });

  it('after a failed announcement tells every instance once the bus takes it, without another publish', async () => {
    await afterOneFailedAnnouncement(async (_publisher, channels) => {
      await waitFor(() => channels.length > 0, 'the instances to be told');
      // Told once: the retries stop.
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      expect(channels).toEqual(['notifications-missed']);
    });
  });
});
