import { INestApplication } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import {
  listen,
  signTestToken,
  TEST_JWT_SECRET,
  testConfig,
  uniqueRoom,
} from '@switchboard/testing';
import { Client } from 'pg';
import { createHistoryApp } from '../app/history-app.module';

describe('history API: what is stored is what was sent, or nothing is', () => {
  let history: INestApplication;
  let base: string;
  let db: Client;
  const auth = { Authorization: `Bearer ${signTestToken('encoder', 'Encoder')}` };
  const jwt = new JwtService({ secret: TEST_JWT_SECRET });

  async function post(
    room: string,
    body: Buffer,
    contentType = 'application/json',
    headers: Record<string, string> = auth,
  ) {
    const response = await fetch(`${base}/rooms/${room}/messages`, {
      method: 'POST',
      headers: { 'Content-Type': contentType, ...headers },
      body,
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  async function storedTexts(room: string): Promise<string[]> {
    const { rows } = await db.query<{ text: string }>(
      'SELECT text FROM messages WHERE room = $1 ORDER BY seq',
      [room],
    );
    return rows.map((row) => row.text);
  }

  beforeAll(async () => {
    const config = testConfig('history');
    history = await createHistoryApp(config, {}, { shutdownHooks: false });
    base = (await listen(history)).http;
    db = new Client({ connectionString: config.databaseUrl });
    await db.connect();
  });

  afterAll(async () => {
    await db.end();
    await history.close();
  });

  it.each([
    ['a truncated two-byte sequence (0xC3 0x28)', [0xc3, 0x28]],
    ['a lone continuation byte', [0x80]],
    ['an overlong encoding of "/"', [0xc0, 0xaf]],
    ['an encoded surrogate (ED A0 80)', [0xed, 0xa0, 0x80]],
    ['a byte that never occurs in UTF-8', [0xff]],
  ])(
    'refuses %s inside a JSON string with 400 invalid_json and stores nothing',
    async (_l, bytes) => {
      const room = uniqueRoom();
      const body = Buffer.concat([
        Buffer.from('{"text":"a'),
        Buffer.from(bytes),
        Buffer.from('b"}'),
      ]);
      const response = await post(room, body);
      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({ statusCode: 400, code: 'invalid_json' });
      expect(await storedTexts(room)).toEqual([]);
    },
  );

  it('refuses a JSON body in another charset than UTF-8 with 415, and stores nothing', async () => {
    const room = uniqueRoom();
    const response = await post(
      room,
      Buffer.from('{"text":"hi"}', 'utf16le'),
      'application/json; charset=utf-16le',
    );
    expect(response.status).toBe(415);
    expect(response.body).toMatchObject({ statusCode: 415, code: 'unsupported_media_type' });
    expect(await storedTexts(room)).toEqual([]);
  });

  // PostgreSQL refuses NUL: a clientMsgId with one was a 500 internal_error, which clients retry.
  it.each([
    ['NUL in clientMsgId', { text: 'x', clientMsgId: 'c\u00001' }],
    ['a newline in clientMsgId', { text: 'x', clientMsgId: 'c\n1' }],
    ['NUL in text', { text: 'a\u0000b' }],
  ])('refuses %s with 400 invalid_message and stores nothing', async (_label, body) => {
    const room = uniqueRoom();
    const response = await post(room, Buffer.from(JSON.stringify(body)));
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ statusCode: 400, code: 'invalid_message' });
    expect(await storedTexts(room)).toEqual([]);
  });

  it.each([
    ['NUL in sub', { sub: 'u\u00001', name: 'U' }],
    ['a lone surrogate in name', { sub: 'u1', name: 'U\udc00' }],
    ['a name of 256 characters', { sub: 'u1', name: 'n'.repeat(256) }],
  ])('answers 401 to a token with %s, and stores nothing', async (_label, claims) => {
    const room = uniqueRoom();
    const headers = { Authorization: `Bearer ${jwt.sign(claims)}` };
    const read = await fetch(`${base}/rooms/${room}/messages`, { headers });
    expect(read.status).toBe(401);
    const sent = await post(room, Buffer.from('{"text":"hi"}'), 'application/json', headers);
    expect(sent.status).toBe(401);
    expect(sent.body).toMatchObject({ statusCode: 401, code: 'unauthorized' });
    expect(await storedTexts(room)).toEqual([]);
  });

  it('stores valid multi-byte UTF-8 exactly as sent', async () => {
    const room = uniqueRoom();
    const text = 'é ü 中文 👋 \u{10FFFF}';
    const response = await post(room, Buffer.from(JSON.stringify({ text }), 'utf8'));
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({ text });
    expect(await storedTexts(room)).toEqual([text]);
  });
});
