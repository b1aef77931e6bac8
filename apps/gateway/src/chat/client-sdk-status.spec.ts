import { INestApplication } from '@nestjs/common';
import { SwitchboardClient, WebSocketLike } from '@switchboard/client';
import { StatusFrame } from '@switchboard/protocol';
import { listen, signTestToken, testConfig, uniqueRoom, waitFor } from '@switchboard/testing';
import { WebSocket } from 'ws';
import { createGatewayApp } from '../app/gateway-app.module';

// The client SDK's online status: presence() and the status event, against two gateways.
describe('@switchboard/client online status against two gateways', () => {
  let apps: INestApplication[];
  let urls: string[];
  const clients: SwitchboardClient[] = [];

  async function client(instance: number, userId: string): Promise<SwitchboardClient> {
    const sdk = new SwitchboardClient({
      url: urls[instance],
      token: () => signTestToken(userId),
      createSocket: (url) => new WebSocket(url) as unknown as WebSocketLike,
    });
    clients.push(sdk);
    await sdk.connect();
    return sdk;
  }

  beforeAll(async () => {
    apps = await Promise.all(
      [0, 1].map(() => createGatewayApp(testConfig('gateway'), {}, { shutdownHooks: false })),
    );
    urls = (await Promise.all(apps.map(listen))).map((url) => url.ws);
  });

  afterAll(async () => {
    for (const sdk of clients.splice(0)) sdk.close();
    await Promise.all(apps.map((app) => app.close()));
  });

  it('reports a direct partner coming online and going offline, and answers presence', async () => {
    const suffix = uniqueRoom('u');
    const [aliceId, bobId] = [`alice-${suffix}`, `bob-${suffix}`];
    const alice = await client(0, aliceId);
    const statuses: Omit<StatusFrame, 'type'>[] = [];
    alice.on('status', (status) => statuses.push(status));
    await alice.joinDirect(bobId);

    const bob = await client(1, bobId);
    await waitFor(() => statuses.length === 1, 'bob online');
    expect(statuses[0]).toEqual({ user: { id: bobId, name: bobId }, online: true, lastSeen: null });
    // The presence reply is matched to its request, after the join's.
    await expect(alice.presence([bobId, `nobody-${suffix}`])).resolves.toEqual([
      { id: bobId, online: true, lastSeen: null },
    ]);

    bob.close();
    await waitFor(() => statuses.length === 2, 'bob offline');
    expect(statuses[1]).toMatchObject({ user: { id: bobId }, online: false });
  });
});
