import { MessageBus } from '@switchboard/bus';
import { InstanceStats } from '@switchboard/protocol';
import { testConfig, uniqueRoom, useInstances, waitFor } from '@switchboard/testing';
import { createGatewayApp } from '../app/gateway-app.module';
import { GatewayLiveStats } from './gateway-metrics';

// Two gateway instances on one Redis and one database; the test listens to the bus's stats channel.
describe('gateway live stats', () => {
  const config = testConfig('gateway', { RATE_LIMIT_PER_SECOND: '100', RATE_LIMIT_BURST: '100' });
  const cluster = useInstances(
    2,
    () => createGatewayApp(config, {}, { shutdownHooks: false }),
    config.databaseUrl,
  );
  const snapshots: InstanceStats[] = [];
  let unsubscribe: () => Promise<void>;

  const idOf = (instance: number) => cluster.apps[instance].get(GatewayLiveStats).instanceId;
  const snapshotsOf = (instance: number) =>
    snapshots.filter((stats) => stats.instanceId === idOf(instance));
  const latestOf = (instance: number) => snapshotsOf(instance).at(-1);

  beforeAll(async () => {
    unsubscribe = await cluster.apps[0]
      .get(MessageBus)
      .subscribe('stats', '', (stats) => snapshots.push(stats));
  });

  afterAll(async () => {
    await unsubscribe();
  });

  it("publishes each gateway's open connections every second, for any instance to read", async () => {
    await cluster.connect(1, 'ada');
    const bob = await cluster.connect(1, 'bob');
    await waitFor(
      () => latestOf(1)?.connections === 2 && latestOf(0)?.connections === 0,
      () => `connections 2 on instance 1, 0 on 0; got ${JSON.stringify(snapshots.slice(-4))}`,
    );
    expect(latestOf(1)).toMatchObject({ service: 'gateway', sseStreams: 0 });
    await bob.close();
    await waitFor(
      () => latestOf(1)?.connections === 1,
      () => `connections 1 on instance 1; got ${JSON.stringify(latestOf(1))}`,
    );
  });

  it('counts the messages fanned out, the frames written and the broadcast latency of each window', async () => {
    const room = uniqueRoom();
    const ada = await cluster.connect(0, 'ada');
    const bob = await cluster.connect(1, 'bob');
    const cy = await cluster.connect(1, 'cy');
    for (const client of [ada, bob, cy]) await client.request({ type: 'join', room }, 'joined');
    // Windows from the first one that begins after the joins' broadcasts have settled.
    const settled = Date.now();
    await waitFor(
      () => snapshotsOf(1).some((stats) => stats.ts - stats.windowMs > settled),
      'a window of instance 1 after the joins',
    );
    const counted = snapshotsOf(1).length;

    for (const text of ['one', 'two', 'three'])
      await ada.request({ type: 'message', room, text }, 'ack');
    await bob.next('message', (frame) => frame.text === 'three');
    await cy.next('message', (frame) => frame.text === 'three');

    const totals = () => {
      const windows = snapshotsOf(1).slice(counted);
      const total = (rate: (stats: InstanceStats) => number) =>
        Math.round(windows.reduce((sum, stats) => sum + (rate(stats) * stats.windowMs) / 1000, 0));
      return {
        messages: total((stats) => stats.messagesPerSecond),
        deliveries: total((stats) => stats.deliveriesPerSecond),
        latencies: windows.flatMap((stats) => stats.broadcastLatencyMs ?? []),
      };
    };
    // Three messages, each written to bob and cy.
    await waitFor(
      () => totals().messages === 3 && totals().deliveries === 6,
      () => `3 messages and 6 deliveries on instance 1; got ${JSON.stringify(totals())}`,
    );
    const [latency] = totals().latencies;
    expect(latency.p50).toBeGreaterThan(0);
    expect(latency.p50).toBeLessThanOrEqual(latency.p95);
    expect(latency.p95).toBeLessThanOrEqual(latency.p99);
  });
});
