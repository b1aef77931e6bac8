import { DiagnosticSeverity, Parser } from '@asyncapi/parser';
import { INestApplication } from '@nestjs/common';
import { HANDSHAKE_CLOSE_CODES, ServerFrame, serverFrameSchema } from '@switchboard/protocol';
import {
  listen,
  openApiProblems,
  signTestToken,
  TEST_JWT_SECRET,
  TEST_SERVICE_API_KEY,
  testConfig,
  uniqueRoom,
  WsTestClient,
} from '@switchboard/testing';
import { createGatewayApp } from '../app/gateway-app.module';
import { CLOSE_GOING_AWAY } from '../connections/chat-ws.adapter';
import { CLOSE_FLOODING, CLOSE_SLOW_CONSUMER } from '../connections/client-session';

type Json = Record<string, unknown>;
interface PayloadSchema {
  properties: Record<string, { const?: string; enum?: string[] }>;
  required?: string[];
}

describe('GET /asyncapi.json on the gateway', () => {
  // API_DOCS=off: the protocol document is served anyway, like /health.
  const config = testConfig('gateway', { API_DOCS: 'off' });
  let app: INestApplication;
  let base: string;
  let wsUrl: string;
  let document: Json;
  const clients: WsTestClient[] = [];

  beforeAll(async () => {
    app = await createGatewayApp(config, {}, { shutdownHooks: false });
    ({ http: base, ws: wsUrl } = await listen(app));
    const response = await fetch(`${base}/asyncapi.json`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    document = (await response.json()) as Json;
  });

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
  });

  afterAll(() => app.close());

  it('serves a valid AsyncAPI 3.0 document without credentials, naming the gateway as its server', async () => {
    const { diagnostics } = await new Parser().parse(JSON.stringify(document));
    const problems = diagnostics.filter(
      ({ severity }) => Number(severity) <= Number(DiagnosticSeverity.Warning),
    );
    expect(problems.map(({ message, path }) => `${path.join('.')}: ${message}`)).toEqual([]);
    expect(document.servers).toMatchObject({
      gateway: { host: new URL(base).host, protocol: 'ws' },
    });
    expect((await fetch(`${base}/docs-json`)).status).toBe(404);
  });

  it('holds no secret of the configuration', () => {
    const text = JSON.stringify(document);
    for (const secret of [TEST_JWT_SECRET, TEST_SERVICE_API_KEY, config.databaseUrl]) {
      expect(text).not.toContain(secret);
    }
    expect(text).not.toContain(config.redisUrl!);
  });

  it("lists every close code the gateway uses, the handshake's refusals included", () => {
    const channel = (document.channels as Record<string, Json>).chat;
    const codes = (channel['x-close-codes'] as { code: number }[]).map(({ code }) => code);
    expect(codes).toEqual(
      expect.arrayContaining([
        CLOSE_GOING_AWAY,
        CLOSE_FLOODING,
        CLOSE_SLOW_CONSUMER,
        HANDSHAKE_CLOSE_CODES.unauthorized,
        HANDSHAKE_CLOSE_CODES.forbidden,
      ]),
    );
  });

  /** Every documented shape of a frame of this type: the payloads of the messages with that `type`. */
  function payloadsOf(type: string): PayloadSchema[] {
    const { schemas } = document.components as { schemas: Record<string, PayloadSchema> };
    return Object.values(schemas).filter(({ properties }) => {
      const discriminant = properties?.type;
      return discriminant?.const === type || discriminant?.enum?.includes(type);
    });
  }

  it('describes every frame a real gateway sends: each validates and has no undocumented field', async () => {
    const room = uniqueRoom('asyncapi');
    // Users of their own: the direct room this makes must not exist for other specs' users.
    const [alId, beaId] = [uniqueRoom('al'), uniqueRoom('bea')];
    const [al, bea] = await Promise.all(
      [alId, beaId].map((user) => WsTestClient.connect(wsUrl, { token: signTestToken(user) })),
    );
    clients.push(al, bea);
    const received: ServerFrame[] = [
      await al.request({ type: 'join', room }, 'joined'),
      await bea.request({ type: 'join', room }, 'joined'),
      await al.next('user_joined'),
      await al.request({ type: 'message', room, text: 'hi', clientMsgId: 'c1' }, 'ack'),
      await al.next('message'),
      await bea.next('message'),
      await al.request({ type: 'ping' }, 'pong'),
      await bea.request({ type: 'typing', room }, 'typing', (frame) => !('user' in frame)),
      await al.next('typing'),
      await bea.request({ type: 'typing_stop', room }, 'typing_stopped', (f) => !('user' in f)),
      await al.next('typing_stopped'),
      await bea.request({ type: 'read', room, seq: 1 }, 'read', (frame) => !('user' in frame)),
      await al.next('read'),
    ];
    const { id } = received.find((frame) => frame.type === 'ack') as { id: string };
    received.push(
      await al.request({ type: 'edit', room, id, text: 'hello' }, 'change_ack'),
      await bea.next('message_edited'),
      await al.request({ type: 'delete', room, id }, 'change_ack'),
      await bea.next('message_deleted'),
      await al.request({ type: 'inbox' }, 'inbox'),
      await al.request({ type: 'presence', users: [beaId] }, 'presence'),
      await al.request({ type: 'join_direct', user: beaId }, 'joined'),
      await al.request({ type: 'nonsense' }, 'error'),
      await bea.request({ type: 'leave', room }, 'left'),
      await al.next('user_left'),
    );
    received.push(...al.frames.splice(0), ...bea.frames.splice(0));

    for (const frame of received) {
      expect({ frame, valid: serverFrameSchema.safeParse(frame).success }).toEqual({
        frame,
        valid: true,
      });
      const fields = Object.keys(frame);
      const documented = payloadsOf(frame.type).some(
        ({ properties, required = [] }) =>
          fields.every((field) => field in properties) &&
          required.every((field) => fields.includes(field)),
      );
      expect({ frame, documented }).toEqual({ frame, documented: true });
    }
    // `status` and `unread` need a user to come online or be away: the protocol spec covers their schemas.
    expect([...new Set(received.map(({ type }) => type))].sort()).toEqual(
      [
        'joined',
        'user_joined',
        'ack',
        'message',
        'pong',
        'typing',
        'typing_stopped',
        'read',
        'change_ack',
        'message_edited',
        'message_deleted',
        'inbox',
        'presence',
        'error',
        'left',
        'user_left',
      ].sort(),
    );
  });
});

describe("the gateway's OpenAPI document", () => {
  let app: INestApplication;

  afterAll(() => app.close());

  it('describes /asyncapi.json, health and metrics with named schemas and their errors', async () => {
    app = await createGatewayApp(testConfig('gateway'), {}, { shutdownHooks: false });
    const { http } = await listen(app);
    const document = (await (await fetch(`${http}/docs-json`)).json()) as Json;
    expect(Object.keys(document.paths as Json)).toEqual(
      expect.arrayContaining(['/asyncapi.json', '/health/ready']),
    );
    expect(openApiProblems(document)).toEqual([]);
  });
});
