import { INestApplication } from '@nestjs/common';
import { listen, signTestToken, testConfig } from '@switchboard/testing';
import { WebSocket } from 'ws';
import { createGatewayApp } from '../app/gateway-app.module';

/** Opens a connection that answers pings with pongs (ws's default) or never does. */
async function connect(url: string, user: string, autoPong: boolean): Promise<WebSocket> {
  const socket = new WebSocket(url, {
    headers: { Authorization: `Bearer ${signTestToken(user)}` },
    autoPong,
  });
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  return socket;
}

function pings(socket: WebSocket, count: number): Promise<void> {
  return new Promise((resolve) => {
    let seen = 0;
    socket.on('ping', () => {
      if (++seen === count) resolve();
    });
  });
}

describe('the gateway heartbeat', () => {
  let app: INestApplication;
  let url: string;

  beforeAll(async () => {
    app = await createGatewayApp(
      testConfig('gateway', { HEARTBEAT_INTERVAL_MS: '200' }),
      {},
      { shutdownHooks: false },
    );
    url = (await listen(app)).ws;
  });

  afterAll(() => app.close());

  it('keeps a connection that answers its pings and terminates one that does not', async () => {
    const answering = await connect(url, 'heartbeat-answering', true);
    const silent = await connect(url, 'heartbeat-silent', false);
    const silentClosed = new Promise<number>((resolve) => silent.once('close', resolve));

    // Terminated without a close frame (1006) once a ping went unanswered for an interval.
    expect(await silentClosed).toBe(1006);
    // Three pings later (each answered), the answering one is still open.
    await pings(answering, 3);
    expect(answering.readyState).toBe(WebSocket.OPEN);
    answering.close();
  });
});
