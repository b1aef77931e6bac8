import { INestApplication } from '@nestjs/common';
import { ErrorCode, PROTOCOL_LIMITS } from '@switchboard/protocol';
import { listen, signTestToken, testConfig, uniqueRoom, WsTestClient } from '@switchboard/testing';
import type { Socket } from 'node:net';
import { Client } from 'pg';
import { createGatewayApp } from '../app/gateway-app.module';

// Every rejected frame gets its error code, the socket stays open, and nothing is stored or fanned out.
describe('chat gateway, rejected frames', () => {
  let apps: INestApplication[];
  let urls: string[];
  let db: Client;
  let sender: WsTestClient;
  let watcher: WsTestClient;
  let room: string;

  beforeAll(async () => {
    // The second instance has a tiny bucket so that the rate-limit case is quick and certain.
    apps = await Promise.all([
      createGatewayApp(testConfig('gateway'), {}, { shutdownHooks: false }),
      createGatewayApp(
        testConfig('gateway', { RATE_LIMIT_PER_SECOND: '1', RATE_LIMIT_BURST: '2' }),
        {},
        { shutdownHooks: false },
      ),
    ]);
    urls = (await Promise.all(apps.map(listen))).map((url) => url.ws);
    db = new Client({ connectionString: testConfig('gateway').databaseUrl });
    await db.connect();
  });

  beforeEach(async () => {
    room = uniqueRoom();
    sender = await WsTestClient.connect(urls[0], { token: signTestToken(`sender-${room}`) });
    watcher = await WsTestClient.connect(urls[0], { token: signTestToken(`watcher-${room}`) });
    await sender.request({ type: 'join', room }, 'joined');
    await watcher.request({ type: 'join', room }, 'joined');
  });

  afterEach(async () => {
    // Nothing that was refused reached the database or the other member; the socket still answers.
    const { rows } = await db.query<{ count: string }>(
      'SELECT count(*) FROM messages WHERE room = $1',
      [room],
    );
    expect(rows[0].count).toBe('0');
    expect(watcher.unclaimed('message')).toEqual([]);
    await expect(sender.request({ type: 'ping' }, 'pong')).resolves.toMatchObject({ type: 'pong' });
    await Promise.all([sender.close(), watcher.close()]);
  });

  afterAll(async () => {
    await db.end();
    await Promise.all(apps.map((app) => app.close()));
  });

  async function expectRejected(frame: unknown, code: ErrorCode, message?: RegExp): Promise<void> {
    const error = await sender.request(frame, 'error');
    expect(error.code).toBe(code);
    expect(typeof error.message).toBe('string');
    if (message) expect(error.message).toMatch(message);
  }

  it.each(['not json', '{"type":"join",', '', '{"type":"message","room":"a","text":"x"}}'])(
    'invalid_json: %j',
    async (raw) => {
      await expectRejected(raw, 'invalid_json');
    },
  );

  const longId = 'x'.repeat(PROTOCOL_LIMITS.maxClientMsgIdLength + 1);
  const cases: [string, (room: string) => unknown][] = [
    ['a JSON array', () => '[]'],
    ['a JSON string', () => '"join"'],
    ['null', () => 'null'],
    ['no type', (r) => ({ room: r })],
    ['an unknown type', (r) => ({ type: 'dance', room: r })],
    ['join without room', () => ({ type: 'join' })],
    ['a numeric room', () => ({ type: 'join', room: 5 })],
    ['a room with a space', () => ({ type: 'join', room: 'bad room' })],
    ['a room of 65 characters', () => ({ type: 'join', room: 'r'.repeat(65) })],
    ['a negative since', (r) => ({ type: 'join', room: r, since: -1 })],
    ['a fractional since', (r) => ({ type: 'join', room: r, since: 1.5 })],
    ['a string since', (r) => ({ type: 'join', room: r, since: '3' })],
    ['message without text', (r) => ({ type: 'message', room: r })],
    ['numeric text', (r) => ({ type: 'message', room: r, text: 42 })],
    [
      'a clientMsgId of 65 characters',
      (r) => ({ type: 'message', room: r, text: 'x', clientMsgId: longId }),
    ],
    ['an empty clientMsgId', (r) => ({ type: 'message', room: r, text: 'x', clientMsgId: '' })],
    ['a numeric clientMsgId', (r) => ({ type: 'message', room: r, text: 'x', clientMsgId: 7 })],
    // PostgreSQL refuses NUL: this was an internal_error, which clients retry for ever.
    [
      'a clientMsgId with NUL',
      (r) => ({ type: 'message', room: r, text: 'x', clientMsgId: 'c\u00001' }),
    ],
    [
      'a clientMsgId with a newline',
      (r) => ({ type: 'message', room: r, text: 'x', clientMsgId: 'c\n1' }),
    ],
    ['text with NUL', (r) => ({ type: 'message', room: r, text: 'a\u0000b' })],
    ['text with BEL', (r) => ({ type: 'message', room: r, text: 'a\u0007b' })],
    ['text with ESC', (r) => ({ type: 'message', room: r, text: '\u001b[31mred' })],
    ['text with DEL', (r) => ({ type: 'message', room: r, text: 'a\u007fb' })],
    ['text with a carriage return', (r) => ({ type: 'message', room: r, text: 'a\rb' })],
    // Escaped JSON is valid UTF-8 on the wire, but decodes to a lone surrogate PostgreSQL cannot hold.
    ['text with a lone high surrogate', (r) => `{"type":"message","room":"${r}","text":"\\ud800"}`],
    [
      'text with a lone low surrogate',
      (r) => `{"type":"message","room":"${r}","text":"a\\udfffb"}`,
    ],
    [
      'a clientMsgId with a lone surrogate',
      (r) => `{"type":"message","room":"${r}","text":"x","clientMsgId":"c\\ud83d"}`,
    ],
    ['an unknown field', (r) => ({ type: 'message', room: r, text: 'x', html: true })],
    ['ping with extra fields', () => ({ type: 'ping', now: 1 })],
  ];
  it.each(cases)('invalid_message: %s', async (_label, frame) => {
    await expectRejected(frame(room), 'invalid_message');
  });

  it('invalid_message: a binary frame', async () => {
    sender.socket.send(Buffer.from(JSON.stringify({ type: 'ping' })), { binary: true });
    await expect(sender.next('error')).resolves.toMatchObject({
      code: 'invalid_message',
      message: expect.stringMatching(/binary/),
    });
  });

  it('not_joined: a message to a room the connection has not joined', async () => {
    await expectRejected(
      { type: 'message', room: uniqueRoom('other'), text: 'hello' },
      'not_joined',
    );
  });

  it('too_long: text over 4,000 characters (4,000 itself is accepted)', async () => {
    await expectRejected(
      { type: 'message', room, text: 'x'.repeat(PROTOCOL_LIMITS.maxTextLength + 1) },
      'too_long',
      /4001/,
    );
    // The limit itself is fine: stored, so clean it up for the "nothing stored" check.
    const ack = await sender.request(
      { type: 'message', room, text: 'y'.repeat(PROTOCOL_LIMITS.maxTextLength) },
      'ack',
    );
    await watcher.next('message', (m) => m.id === ack.id);
    await db.query('DELETE FROM messages WHERE room = $1', [room]);
  });

  it('closes the socket with 1009 for a frame over 64 KiB', async () => {
    const big = await WsTestClient.connect(urls[0], { token: signTestToken('big') });
    big.send(
      JSON.stringify({ type: 'message', room, text: 'x'.repeat(PROTOCOL_LIMITS.maxFrameBytes) }),
    );
    await expect(big.waitClosed()).resolves.toBe(1009);
  });

  it('closes the socket with 1007 for a text frame that is not valid UTF-8', async () => {
    const garbled = await WsTestClient.connect(urls[0], { token: signTestToken('garbled') });
    // ED A0 80 would be U+D800 (a surrogate), which UTF-8 may not encode.
    garbled.socket.send(Buffer.from([0x7b, 0xed, 0xa0, 0x80, 0x7d]), { binary: false });
    await expect(garbled.waitClosed()).resolves.toBe(1007);
  });

  it('closes the socket with 1002 for a frame that breaks the WebSocket protocol', async () => {
    const broken = await WsTestClient.connect(urls[0], { token: signTestToken('broken') });
    // Written under ws's framing: FIN with the reserved opcode 3, masked, empty payload.
    const { _socket: tcp } = broken.socket as unknown as { _socket: Socket };
    tcp.write(Buffer.from([0x83, 0x80, 0, 0, 0, 0]));
    await expect(broken.waitClosed()).resolves.toBe(1002);
  });

  it('closes a connection with 1008 when it floods frames faster than they are handled', async () => {
    const flooder = await WsTestClient.connect(urls[0], { token: signTestToken('flooder') });
    // Sent in one burst: they arrive together, each join waits on the database, so they pile up.
    for (let n = 0; n < 1000; n++) flooder.send({ type: 'join', room });
    await expect(flooder.waitClosed()).resolves.toBe(1008);
  });

  it('rate_limited: past the burst, with retryAfterMs, and nothing of it stored', async () => {
    const limited = await WsTestClient.connect(urls[1], {
      token: signTestToken(`limited-${room}`),
    });
    await limited.request({ type: 'join', room }, 'joined');
    for (let n = 0; n < 3; n++)
      limited.send({ type: 'message', room, text: `m${n}`, clientMsgId: `rl-${n}` });
    const accepted = [await limited.next('ack'), await limited.next('ack')];
    const refused = await limited.next('error');
    expect(refused.code).toBe('rate_limited');
    expect(refused.retryAfterMs).toBeGreaterThan(0);
    expect(refused.retryAfterMs).toBeLessThanOrEqual(1000);
    const { rows } = await db.query<{ client_msg_id: string }>(
      'SELECT client_msg_id FROM messages WHERE room = $1 ORDER BY seq',
      [room],
    );
    expect(rows.map((row) => row.client_msg_id)).toEqual(accepted.map((ack) => ack.clientMsgId));
    for (const ack of accepted) await watcher.next('message', (m) => m.id === ack.id);
    await limited.close();
    await db.query('DELETE FROM messages WHERE room = $1', [room]);
  });
});
