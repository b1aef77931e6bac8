import { INestApplication } from '@nestjs/common';
import { MessageStore } from '@switchboard/persistence';
import { listen, signTestToken, testConfig, uniqueRoom, WsTestClient } from '@switchboard/testing';
import Redis from 'ioredis';
import { createGatewayApp } from '../app/gateway-app.module';
import { GatewayMetrics } from '../metrics/gateway-metrics';
import { RoomPositionCheck } from './room-position-check.service';

// A message committed whose broadcast never reached this instance (Redis restarted between the commit
// and the publish, or the publish failed), with no later message to reveal the gap: the room's
// members still get it, from PostgreSQL. The check's own timer never fires here: checks are made
// by hand, or by the bus subscription coming back.
describe('room position check (PostgreSQL, Redis)', () => {
  const prefix = `${testConfig('gateway').redisKeyPrefix}${uniqueRoom('position')}:`;
  const config = testConfig('gateway', {
    REDIS_KEY_PREFIX: prefix,
    ROOM_POSITION_CHECK_MS: '3600000',
  });
  let app: INestApplication;
  let url: string;
  let store: MessageStore;
  let redis: Redis;

  beforeAll(async () => {
    app = await createGatewayApp(config, {}, { shutdownHooks: false });
    url = (await listen(app)).ws;
    store = app.get(MessageStore);
    redis = new Redis(config.redisUrl!);
  });

  afterAll(async () => {
    await app.close();
    await redis.quit();
  });

  /** Commits a message to the room without broadcasting it, as a publish lost on the bus leaves it. */
  async function commitUnannounced(room: string, text: string): Promise<number> {
    const { message } = await store.append({
      room,
      userId: 'writer',
      userName: 'Writer',
      text,
      clientMsgId: null,
    });
    return message.seq;
  }

  it('delivers a committed message whose broadcast never came at the next check, in order', async () => {
    const room = uniqueRoom();
    const ann = await WsTestClient.connect(url, { token: signTestToken(uniqueRoom('ann')) });
    await ann.request({ type: 'join', room }, 'joined');
    const lost = await commitUnannounced(room, 'lost on the bus');
    const readByCheck = async () =>
      (await app.get(GatewayMetrics).broadcastsReadFromStore.get()).values.find(
        (value) => value.labels.reason === 'position',
      )?.value ?? 0;
    const readBefore = await readByCheck();

    await app.get(RoomPositionCheck).check();
    await expect(ann.next('message')).resolves.toMatchObject({
      seq: lost,
      text: 'lost on the bus',
    });
    // Counted, for operators: broadcasts the bus lost show in /metrics.
    expect(await readByCheck()).toBe(readBefore + 1);

    // The next message is live as usual, after it.
    await ann.request({ type: 'message', room, text: 'live', clientMsgId: 'c1' }, 'ack');
    await expect(ann.next('message')).resolves.toMatchObject({ seq: lost + 1, text: 'live' });
    expect(ann.unclaimed('message')).toEqual([]);
    await ann.close();
  });

  it('checks every room at once when the bus subscription comes back after a loss', async () => {
    const room = uniqueRoom();
    const ann = await WsTestClient.connect(url, { token: signTestToken(uniqueRoom('ann')) });
    await ann.request({ type: 'join', room }, 'joined');
    const lost = await commitUnannounced(room, 'published while Redis was away');

    // Cut this instance's bus subscriber (only its own: other test files share the Redis).
    const clients = (await redis.client('LIST')) as string;
    const subscriber = clients
      .split('\n')
      .find((line) => line.includes(` name=${prefix}bus-subscriber `));
    const id = /\bid=(\d+)/.exec(subscriber ?? '')?.[1];
    expect(id).toBeDefined();
    await redis.client('KILL', 'ID', id!);

    await expect(ann.next('message')).resolves.toMatchObject({
      seq: lost,
      text: 'published while Redis was away',
    });
    await ann.close();
  });
});
