import { createServer, ServerResponse } from 'node:http';
import { Pool } from 'pg';
import { peerOptions, READY_LINE } from './peer-options';

/**
 * The bare history peer: `GET /rooms/:room/messages?limit=N` on `node:http` and a `pg` pool, running
 * the query Switchboard's MessageStore.page() runs for the newest page and answering the same JSON.
 * It only checks that a bearer token is present: it does not verify the JWT, Switchboard does.
 */
const { port, databaseUrl } = peerOptions();
if (!databaseUrl) throw new Error('--database is required');

// Switchboard's createDataSource sets `extra: { max: 20 }`, which overrides TypeORM's and pg's 10.
const pool = new Pool({ connectionString: databaseUrl, max: 20 });

const PATH = /^\/rooms\/([A-Za-z0-9_.:-]{1,64})\/messages$/;
const PAGE_DEFAULT = 50;
const PAGE_MAX = 100;

interface MessageRow {
  id: string;
  room: string;
  seq: string;
  user_id: string;
  user_name: string;
  text: string;
  client_msg_id: string | null;
  created_at: Date;
}

function send(response: ServerResponse, status: number, body: unknown): void {
  const json = JSON.stringify(body);
  response.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(json),
  });
  response.end(json);
}

async function newestPage(room: string, limit: number): Promise<unknown> {
  const { rows } = await pool.query<MessageRow>(
    'SELECT id, room, seq, user_id, user_name, text, client_msg_id, created_at FROM messages WHERE room = $1 ORDER BY seq DESC LIMIT $2',
    [room, limit],
  );
  rows.reverse();
  const messages = rows.map((row) => ({
    id: row.id,
    room: row.room,
    seq: Number(row.seq),
    user: { id: row.user_id, name: row.user_name },
    text: row.text,
    ts: row.created_at.getTime(),
    clientMsgId: row.client_msg_id,
  }));
  return { messages, hasMore: messages.length > 0 && messages[0].seq > 1 };
}

const server = createServer((request, response) => {
  const url = new URL(request.url ?? '/', 'http://peer');
  const room = request.method === 'GET' ? PATH.exec(url.pathname)?.[1] : undefined;
  if (!room) return send(response, 404, { code: 'not_found' });
  if (!/^Bearer \S+$/.test(request.headers.authorization ?? ''))
    return send(response, 401, { code: 'unauthorized' });
  const limitParameter = url.searchParams.get('limit');
  const limit = limitParameter === null ? PAGE_DEFAULT : Number(limitParameter);
  if (!Number.isInteger(limit) || limit < 1 || limit > PAGE_MAX)
    return send(response, 400, { code: 'bad_parameter', parameter: 'limit' });
  newestPage(room, limit).then(
    (page) => send(response, 200, page),
    (error: unknown) => send(response, 500, { code: 'internal', message: String(error) }),
  );
});
server.listen(port, '127.0.0.1', () => process.stdout.write(`${READY_LINE}\n`));
process.on('SIGTERM', () => process.exit(0));
