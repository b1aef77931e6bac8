import { Client } from 'pg';
import { ChatFleet, FleetClient, SendRecord } from './chat-fleet';

/** A row of the messages table. */
export interface StoredMessage {
  id: string;
  room: string;
  seq: number;
  userId: string;
  text: string;
  clientMsgId: string | null;
}

async function query<T>(databaseUrl: string, sql: string, values: unknown[]): Promise<T[]> {
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    return (await db.query(sql, values)).rows as T[];
  } finally {
    await db.end();
  }
}

export function storedMessages(databaseUrl: string, rooms: string[]): Promise<StoredMessage[]> {
  return query<StoredMessage>(
    databaseUrl,
    `SELECT id::text AS id, room, seq::int AS seq, user_id AS "userId", text, client_msg_id AS "clientMsgId"
       FROM messages WHERE room = ANY($1) ORDER BY room, seq`,
    [rooms],
  );
}

/** room → its last stored seq (0 for a room with none). */
export async function lastSeqs(databaseUrl: string, rooms: string[]): Promise<Map<string, number>> {
  const rows = await query<{ room: string; last: number }>(
    databaseUrl,
    'SELECT room, max(seq)::int AS last FROM messages WHERE room = ANY($1) GROUP BY room',
    [rooms],
  );
  const last = new Map(rooms.map((room) => [room, 0]));
  for (const row of rows) last.set(row.room, row.last);
  return last;
}

/** What one fault did, as printed in the figures table. */
export interface FaultFigures {
  fault: string;
  clients: number;
  sent: number;
  acked: number;
  /** Sends the SDK rejected for good. */
  refused: number;
  stored: number;
  /** Acknowledged but not stored. */
  lost: number;
  /** Rows beyond the first for one send. */
  duplicates: number;
  /** Rows no send of the run accounts for. */
  strays: number;
  seqGaps: number;
  /** Across clients: messages of their rooms never delivered to the application. */
  undelivered: number;
  deliveredTwice: number;
  outOfOrder: number;
  /** Clients whose application missed, doubled or misordered anything. */
  clientsHurt: number;
  /** Message transmissions the server refused (internal_error, rate_limited): the SDK should retry them. */
  refusedOnWire: number;
  /** Transmissions beyond the first of one message (the SDK's retries and resends). */
  retries: number;
  reconnects: number;
  /** From the fault to every client connected with every earlier send settled; null if not within the deadline. */
  recoveryMs: number | null;
  /** Lines the gateways printed (LOG_LEVEL=warn) while the fault ran. */
  gatewayLogLines: number;
  /** Broadcasts the gateways read from PostgreSQL after a later one arrived, while the fault ran. */
  readAfterGap: number;
  /** Broadcasts no later one revealed, found by the gateways' room position check. */
  readByPositionCheck: number;
}

const COLUMNS: [keyof FaultFigures, string][] = [
  ['fault', 'fault'],
  ['clients', 'clients'],
  ['sent', 'sent'],
  ['acked', 'acked'],
  ['refused', 'refused'],
  ['stored', 'stored'],
  ['lost', 'lost'],
  ['duplicates', 'dup'],
  ['strays', 'stray'],
  ['seqGaps', 'seq gaps'],
  ['undelivered', 'undelivered'],
  ['deliveredTwice', 'twice'],
  ['outOfOrder', 'disorder'],
  ['clientsHurt', 'clients hurt'],
  ['refusedOnWire', 'refused on wire'],
  ['retries', 'retries'],
  ['reconnects', 'reconnects'],
  ['recoveryMs', 'recovery ms'],
  ['gatewayLogLines', 'log lines'],
  ['readAfterGap', 'read: gap'],
  ['readByPositionCheck', 'read: position'],
];

/** A plain-text table of the figures, one row per fault. */
export function figuresTable(rows: FaultFigures[]): string {
  const cells = [
    COLUMNS.map(([, header]) => header),
    ...rows.map((row) => COLUMNS.map(([key]) => String(row[key] ?? 'never'))),
  ];
  const widths = COLUMNS.map((_, column) => Math.max(...cells.map((line) => line[column].length)));
  const render = (line: string[]) =>
    line
      .map((cell, column) =>
        column === 0 ? cell.padEnd(widths[column]) : cell.padStart(widths[column]),
      )
      .join(' | ');
  return [
    render(cells[0]),
    widths.map((width) => '-'.repeat(width)).join('-|-'),
    ...cells.slice(1).map(render),
  ]
    .map((line) => `${line}\n`)
    .join('');
}

/** Compresses sorted numbers to `3, 7-9`. */
export function ranges(numbers: number[]): string {
  const parts: string[] = [];
  for (let start = 0; start < numbers.length;) {
    let end = start;
    while (end + 1 < numbers.length && numbers[end + 1] === numbers[end] + 1) end++;
    parts.push(start === end ? `${numbers[start]}` : `${numbers[start]}-${numbers[end]}`);
    start = end + 1;
  }
  return parts.join(', ');
}

function countBy<T>(items: T[], key: (item: T) => string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return counts;
}

function summarise(codes: string[]): string {
  return [...countBy(codes, (code) => code)].map(([code, n]) => `${code} ×${n}`).join(', ');
}

/**
 * Checks a fault's run against what PostgreSQL stored: every send acknowledged and stored exactly
 * once as sent, nothing stored that was not sent, gap-free seqs per room, and every client given
 * every message of its rooms exactly once in seq order. Returns the figures and, for each
 * violation, one line naming the client, room and seqs or texts involved.
 */
export function auditFault(
  fault: string,
  fleet: ChatFleet,
  rows: StoredMessage[],
  run: Pick<
    FaultFigures,
    'recoveryMs' | 'gatewayLogLines' | 'readAfterGap' | 'readByPositionCheck'
  >,
): { figures: FaultFigures; problems: string[] } {
  const problems: string[] = [];
  const sendsByText = new Map(fleet.sends.map((send) => [send.text, send]));
  const rowsByText = new Map<string, StoredMessage[]>();
  for (const row of rows) rowsByText.set(row.text, [...(rowsByText.get(row.text) ?? []), row]);

  const refused = fleet.sends.filter((send) => send.outcome === 'refused');
  if (refused.length) {
    problems.push(
      `${refused.length} sends rejected for good by the SDK (${summarise(refused.map((send) => send.refusal ?? '?'))}), e.g. ${refused
        .slice(0, 3)
        .map((send) => `${send.client.describe()} "${send.text}"`)
        .join('; ')}`,
    );
  }
  const stillPending = fleet.sends.filter((send) => send.outcome === 'pending');
  if (stillPending.length) {
    problems.push(
      `${stillPending.length} sends never settled, e.g. ${stillPending
        .slice(0, 3)
        .map((send) => `${send.client.describe()} "${send.text}"`)
        .join('; ')}`,
    );
  }

  let duplicates = 0;
  const storedTwice: string[] = [];
  const ackedNotStored: SendRecord[] = [];
  for (const send of fleet.sends) {
    const stored = rowsByText.get(send.text) ?? [];
    if (stored.length > 1) {
      duplicates += stored.length - 1;
      storedTwice.push(
        `${send.client.describe()} "${send.text}" as ${send.room} seqs ${stored.map((row) => row.seq).join(', ')}`,
      );
    }
    if (!send.ack) continue;
    const row = stored[0];
    if (!row) ackedNotStored.push(send);
    else if (
      row.seq !== send.ack.seq ||
      row.id !== send.ack.id ||
      row.clientMsgId !== send.ack.clientMsgId ||
      row.userId !== send.client.id ||
      row.room !== send.room
    )
      problems.push(
        `"${send.text}" acknowledged as ${send.room} seq ${send.ack.seq} id ${send.ack.id} but stored as ${row.room} seq ${row.seq} id ${row.id} by ${row.userId} (clientMsgId ${row.clientMsgId})`,
      );
  }
  if (storedTwice.length)
    problems.push(
      `${storedTwice.length} sends stored more than once, e.g. ${storedTwice.slice(0, 5).join('; ')}`,
    );
  if (ackedNotStored.length)
    problems.push(
      `${ackedNotStored.length} acknowledged sends are not stored, e.g. ${ackedNotStored
        .slice(0, 5)
        .map((send) => `${send.client.describe()} "${send.text}" seq ${send.ack?.seq}`)
        .join('; ')}`,
    );
  const strays = rows.filter((row) => !sendsByText.has(row.text));
  if (strays.length)
    problems.push(
      `${strays.length} stored messages were never sent, e.g. ${strays
        .slice(0, 5)
        .map((row) => `${row.room} seq ${row.seq} "${row.text}"`)
        .join('; ')}`,
    );
  const refusedOnWire = new Map<string, string[]>();
  for (const client of fleet.clients)
    for (const [clientMsgId, codes] of client.wire.refusals) refusedOnWire.set(clientMsgId, codes);
  const storedClientMsgIds = countBy(
    rows.filter((row) => row.clientMsgId !== null),
    (row) => row.clientMsgId ?? '',
  );
  const refusedStoredOnce = [...refusedOnWire.keys()].filter(
    (clientMsgId) => storedClientMsgIds.get(clientMsgId) === 1,
  ).length;
  if (refusedStoredOnce < refusedOnWire.size)
    problems.push(
      `${refusedOnWire.size - refusedStoredOnce} of ${refusedOnWire.size} messages the server refused (${summarise(
        [...refusedOnWire.values()].flat(),
      )}) were never retried to storage: the SDK gave them up`,
    );

  let seqGaps = 0;
  const rowsByRoom = new Map<string, StoredMessage[]>(fleet.rooms.map((room) => [room, []]));
  for (const row of rows) rowsByRoom.get(row.room)?.push(row);
  for (const [room, roomRows] of rowsByRoom) {
    const seqs = roomRows.map((row) => row.seq);
    const present = new Set(seqs);
    const last = seqs.at(-1) ?? 0;
    const missing: number[] = [];
    for (let seq = 1; seq <= last; seq++) if (!present.has(seq)) missing.push(seq);
    if (missing.length || present.size !== seqs.length) {
      seqGaps += missing.length;
      problems.push(
        `room ${room}: seqs not gap-free (${seqs.length} rows, last ${last}, missing ${ranges(missing) || 'none'})`,
      );
    }
  }

  /** Whether the gateway sent what the application missed: tells an SDK loss from a server one. */
  const notOnTheWire = (client: FleetClient, room: string, seqs: number[]): string => {
    const seen = client.wire.seqsReceived.get(room);
    const absent = seqs.filter((seq) => !seen?.has(seq));
    return absent.length ? `not on the wire: ${ranges(absent)}` : 'all reached the socket';
  };
  let undelivered = 0;
  let deliveredTwice = 0;
  let outOfOrder = 0;
  let clientsHurt = 0;
  for (const client of fleet.clients) {
    let hurt = false;
    for (const [room, messages] of client.delivered) {
      const roomRows = rowsByRoom.get(room) ?? [];
      const seqs = messages.map((message) => message.seq);
      const seen = new Map<number, number>();
      for (const seq of seqs) seen.set(seq, (seen.get(seq) ?? 0) + 1);
      const missing = roomRows.map((row) => row.seq).filter((seq) => !seen.has(seq));
      const twice = [...seen].filter(([, n]) => n > 1).map(([seq]) => seq);
      const disorder = seqs.filter((seq, n) => n > 0 && seq <= seqs[n - 1]).length;
      const bySeq = new Map(roomRows.map((row) => [row.seq, row]));
      const altered = messages.filter((message) => bySeq.get(message.seq)?.text !== message.text);
      if (missing.length || twice.length || disorder || altered.length) {
        hurt = true;
        undelivered += missing.length;
        deliveredTwice += twice.length;
        outOfOrder += disorder;
        const reordered = seqs.findIndex((seq, n) => n > 0 && seq <= seqs[n - 1]);
        problems.push(
          `${client.describe()} room ${room} (last seq ${roomRows.at(-1)?.seq ?? 0}, ${client.wire.opened - 1} reconnects): ` +
            [
              missing.length
                ? `never delivered ${ranges(missing)} (${notOnTheWire(client, room, missing)})`
                : '',
              twice.length ? `delivered twice ${ranges(twice)}` : '',
              disorder
                ? `out of order at ${seqs.slice(reordered - 1, reordered + 2).join(' → ')}`
                : '',
              altered.length ? `${altered.length} delivered differently than stored` : '',
            ]
              .filter(Boolean)
              .join('; '),
        );
      }
    }
    if (hurt) clientsHurt++;
  }

  let retries = 0;
  let reconnects = 0;
  for (const client of fleet.clients) {
    reconnects += client.wire.opened - 1;
    for (const transmissions of client.wire.transmissions.values()) retries += transmissions - 1;
  }
  return {
    problems,
    figures: {
      fault,
      clients: fleet.clients.length,
      sent: fleet.sends.length,
      acked: fleet.sends.filter((send) => send.outcome === 'acked').length,
      refused: refused.length,
      stored: rows.length,
      lost: ackedNotStored.length,
      duplicates,
      strays: strays.length,
      seqGaps,
      undelivered,
      deliveredTwice,
      outOfOrder,
      clientsHurt,
      refusedOnWire: [...refusedOnWire.values()].flat().length,
      retries,
      reconnects,
      ...run,
    },
  };
}
