import { INestApplication } from '@nestjs/common';
import { SwitchboardClient, Transport } from '@switchboard/client';
import { ChatMessage } from '@switchboard/protocol';
import { listen, signTestToken, testConfig, uniqueRoom, waitFor } from '@switchboard/testing';
// The fallback needs the history service beside the gateway, as in production.
// eslint-disable-next-line @nx/enforce-module-boundaries -- a test of two services together
import { createHistoryApp } from '../../../history/src/app/history-app.module';
import { createGatewayApp } from '../app/gateway-app.module';
import { GatewayProxy } from './testing/gateway-proxy';

// The SDK's long-polling fallback: a proxy that refuses WebSocket upgrades sends the client to HTTP
// (long polls and POSTs), and back to the WebSocket once upgrades pass again.
describe('@switchboard/client falls back to long polling when the WebSocket is blocked', () => {
  const rateLimits = { RATE_LIMIT_PER_SECOND: '1000', RATE_LIMIT_BURST: '1000' };
  let gateway: INestApplication;
  let history: INestApplication;
  let gatewayUrl: string;
  let historyUrl: string;
  let proxy: GatewayProxy;
  const clients: SwitchboardClient[] = [];

  beforeAll(async () => {
    [gateway, history] = await Promise.all([
      createGatewayApp(testConfig('gateway', rateLimits), {}, { shutdownHooks: false }),
      createHistoryApp(testConfig('history', rateLimits), {}, { shutdownHooks: false }),
    ]);
    [gatewayUrl, historyUrl] = [(await listen(gateway)).ws, (await listen(history)).http];
    proxy = await GatewayProxy.start(gatewayUrl);
  });

  afterAll(async () => {
    for (const sdk of clients.splice(0)) sdk.close();
    await proxy.close();
    await Promise.all([gateway.close(), history.close()]);
  });

  function client(userId: string, url: string): SwitchboardClient {
    const sdk = new SwitchboardClient({
      url,
      historyUrl,
      token: () => signTestToken(userId),
      reconnect: { initialDelayMs: 20, maxDelayMs: 200 },
    });
    clients.push(sdk);
    return sdk;
  }

  it('loses and doubles nothing across both switches, and stores sends made while polling once', async () => {
    const room = uniqueRoom();
    const polled = client('paula', proxy.url);
    const sender = client('sam', gatewayUrl);
    const transports: Transport[] = [];
    const received: ChatMessage[] = [];
    polled.on('transport', (transport) => transports.push(transport));
    polled.on('message', (message) => received.push(message));
    await Promise.all([polled.connect(), sender.connect()]);
    await Promise.all([polled.join(room), sender.join(room)]);
    const sent: Promise<unknown>[] = [sender.send(room, 'sam 0')];

    proxy.blockUpgrades(true);
    proxy.cut();
    await waitFor(() => polled.transport === 'polling', 'the client fell back to polling');
    expect(proxy.refused).toBeGreaterThanOrEqual(2);
    for (let i = 1; i <= 5; i++) sent.push(sender.send(room, `sam ${i}`));
    for (let i = 0; i < 3; i++) sent.push(polled.send(room, `paula ${i}`));
    await waitFor(
      () => received.length >= 9,
      () => `received while polling: ${received.map((m) => m.text).join(', ')}`,
    );
    expect(polled.transport).toBe('polling');
    expect(polled.connectionState).toBe('open');

    proxy.blockUpgrades(false);
    // Sent while the client moves back: by polling, by the rejoin with since, or live.
    for (let i = 6; i <= 10; i++) sent.push(sender.send(room, `sam ${i}`));
    sent.push(polled.send(room, 'paula 3'));
    await waitFor(() => polled.transport === 'websocket', 'the client moved back to the WebSocket');
    for (let i = 11; i <= 12; i++) sent.push(sender.send(room, `sam ${i}`));
    await Promise.all(sent);
    await waitFor(
      () => received.length >= 17,
      () => `received: ${received.map((m) => m.text).join(', ')}`,
    );

    const seqs = received.map((message) => message.seq);
    const first = seqs[0];
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => first + i));
    expect(received).toHaveLength(17);
    expect(transports).toEqual(['polling', 'websocket']);
    // Stored once each: a fresh join sees every text exactly once.
    const reader = client('rita', gatewayUrl);
    await reader.connect();
    const { messages } = await reader.join(room);
    const texts = messages.map((message) => ('text' in message ? message.text : ''));
    expect(texts.filter((text) => text.startsWith('paula')).sort()).toEqual([
      'paula 0',
      'paula 1',
      'paula 2',
      'paula 3',
    ]);
    expect(texts).toHaveLength(17);
  });
});
