import { INestApplication } from '@nestjs/common';
import { ErrorFrame, PROTOCOL_LIMITS } from '@switchboard/protocol';
import {
  CapturedLogs,
  listen,
  signTestToken,
  testConfig,
  uniqueRoom,
  WsTestClient,
} from '@switchboard/testing';
import { DataSource } from 'typeorm';
import { createGatewayApp } from '../app/gateway-app.module';

async function waitFor(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

// What the gateway logs, whatever LOG_LEVEL says: every Nest logger of this file's apps goes to `logs`.
describe('gateway logs', () => {
  const logs = new CapturedLogs();
  const config = testConfig('gateway', { RATE_LIMIT_BURST: '1000' });
  let app: INestApplication;
  let url: string;
  let broken: INestApplication | undefined;

  beforeAll(async () => {
    app = await createGatewayApp(config, {}, { shutdownHooks: false });
    app.useLogger(logs);
    url = (await listen(app)).ws;
  });

  afterAll(async () => {
    await Promise.all([app.close(), broken?.close()]);
  });

  beforeEach(() => logs.clear());

  it('logs a client breaking the WebSocket protocol at debug, without a stack (1009, 1007)', async () => {
    const big = await WsTestClient.connect(url, { token: signTestToken('big') });
    big.send(JSON.stringify({ type: 'ping', pad: 'x'.repeat(PROTOCOL_LIMITS.maxFrameBytes) }));
    const garbled = await WsTestClient.connect(url, { token: signTestToken('garbled') });
    garbled.socket.send(Buffer.from([0x7b, 0xff, 0x7d]), { binary: false });

    expect(await big.waitClosed()).toBe(1009);
    expect(await garbled.waitClosed()).toBe(1007);
    const mentions = (text: RegExp) => logs.entries.filter((entry) => text.test(entry.text));
    await waitFor(
      () => mentions(/Max payload size exceeded/).length > 0 && mentions(/UTF-8/).length > 0,
      'both protocol errors logged',
    );
    expect(mentions(/Max payload size exceeded|UTF-8/).map((entry) => entry.level)).toEqual([
      'debug',
      'debug',
    ]);
    expect(logs.errors()).toEqual([]);
    expect(logs.withStack()).toEqual([]);
  });

  it('logs one stack for many frames failed by a database outage, not one per frame', async () => {
    const room = uniqueRoom();
    // An app of its own, so that its pool can be closed for good.
    broken = await createGatewayApp(config, {}, { shutdownHooks: false });
    broken.useLogger(logs);
    const brokenUrl = (await listen(broken)).ws;
    const victim = await WsTestClient.connect(brokenUrl, { token: signTestToken('victim') });
    await victim.request({ type: 'join', room }, 'joined');
    await broken.get(DataSource).destroy();
    logs.clear();

    const failed: ErrorFrame[] = [];
    for (let n = 0; n < 30; n++) {
      failed.push(
        await victim.request(
          { type: 'message', room, text: `m${n}`, clientMsgId: `o${n}` },
          'error',
        ),
      );
    }

    expect(failed.map((frame) => frame.code)).toEqual(Array(30).fill('internal_error'));
    // One stack; any other error line is a count of repeats (one per 10 s, were this run that slow).
    expect(logs.withStack()).toEqual([
      { level: 'error', text: expect.stringMatching(/^internal_error: /) },
    ]);
    expect(logs.errors().filter((entry) => !/ more in the last /.test(entry.text))).toHaveLength(1);
    await victim.close();
  });
});
