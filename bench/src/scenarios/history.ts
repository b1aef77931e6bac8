import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { BenchEnvironment } from '../harness/environment';
import { freePort, ServerProcess, startServer } from '../harness/processes';
import { log } from '../harness/progress';
import { Column, compare, Row } from '../harness/report';
import { peerScript, startSwitchboardService, waitForReadyLine } from '../harness/targets';
import { ScenarioContext } from './scenario';

const ROOM = 'history-bench';
const PAGE = 50;
const PATH = `/rooms/${ROOM}/messages?limit=${PAGE}`;
/** Few enough that both servers' pools (20) never queue; the same for both targets. */
const CONNECTIONS = 10;
const AUTOCANNON = require.resolve('autocannon/autocannon.js');
const CLOCK_TICKS_PER_SECOND = 100;

type HistoryTargetName = 'switchboard' | 'node+pg';
const TARGETS: HistoryTargetName[] = ['switchboard', 'node+pg'];

const COLUMNS: Column[] = [
  { key: 'reqPerSecond', label: 'req/s', digits: 0 },
  { key: 'p50', label: 'p50 ms', digits: 2 },
  { key: 'p99', label: 'p99 ms', digits: 2 },
  { key: 'max', label: 'max ms', digits: 2 },
  { key: 'non2xx', label: 'non-2xx', digits: 0 },
  { key: 'errors', label: 'errors', digits: 0 },
  { key: 'cpuPerRequest', label: 'server CPU ms/req', digits: 3 },
  { key: 'loadCpu', label: 'loadgen CPU %', digits: 0 },
];

/** The fields of autocannon's `--json` result this scenario reads. */
interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number; max: number };
  non2xx: number;
  errors: number;
}

interface LoadRun {
  result: AutocannonResult;
  wallSeconds: number;
  cpuSeconds: number;
}

/** CPU seconds of this process's exited and reaped children (cutime + cstime in /proc/self/stat). */
function reapedChildrenCpuSeconds(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 16 and 17 of stat are at 13 and 14 after the command name.
  return (Number(fields[13]) + Number(fields[14])) / CLOCK_TICKS_PER_SECOND;
}

/**
 * Runs autocannon as a child, so it shares this process's load-generator core. Its CPU is read as the
 * growth of the reaped children's CPU, which only it adds to while it runs (the servers outlive it).
 */
function autocannon(port: number, token: string, seconds: number): Promise<LoadRun> {
  const args = [
    AUTOCANNON,
    '--json',
    '-c',
    String(CONNECTIONS),
    '-d',
    String(seconds),
    '-H',
    `Authorization=Bearer ${token}`,
    `http://127.0.0.1:${port}${PATH}`,
  ];
  return new Promise((resolve, reject) => {
    const cpuBefore = reapedChildrenCpuSeconds();
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
    child.once('error', reject);
    child.once('close', (code) => {
      if (code !== 0) {
        reject(new Error(`autocannon exited with ${code}:\n${stderr}`));
        return;
      }
      try {
        resolve({
          result: JSON.parse(stdout) as AutocannonResult,
          wallSeconds: Number(process.hrtime.bigint() - started) / 1e9,
          cpuSeconds: reapedChildrenCpuSeconds() - cpuBefore,
        });
      } catch (error) {
        reject(new Error(`autocannon printed no JSON (${String(error)}):\n${stdout}\n${stderr}`));
      }
    });
  });
}

/** One GET of the page, for the check that both targets answer the same body. */
function fetchPage(port: number, token: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path: PATH, headers: { authorization: `Bearer ${token}` } },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** The room in one statement: ~100-byte texts from 8 users, a second apart, every one with a clientMsgId. */
async function seed(env: BenchEnvironment, count: number): Promise<void> {
  await env.withDatabase(async (client) => {
    await client.query(
      `INSERT INTO messages (room, seq, user_id, user_name, text, client_msg_id, created_at)
       SELECT $1, g, 'user-' || g % 8, 'User ' || g % 8,
              rpad('message ' || g || ': ', 100, 'lorem ipsum dolor sit amet '),
              'cm-' || g, now() - ($2 - g) * interval '1 second'
       FROM generate_series(1, $2::bigint) AS g`,
      [ROOM, count],
    );
    await client.query('INSERT INTO room_sequences (room, last_seq) VALUES ($1, $2)', [
      ROOM,
      count,
    ]);
    // VACUUM too: it sets hint bits and the visibility map now, so neither the first reads nor an
    // insert-triggered autovacuum land inside a measured run.
    await client.query('VACUUM ANALYZE messages');
    // And the seed's pages on disk now: otherwise the checkpoint that writes them runs during the
    // first target's measured run and not the second's.
    await client.query('CHECKPOINT');
  });
}

async function startTarget(
  name: HistoryTargetName,
  env: BenchEnvironment,
): Promise<{ server: ServerProcess; port: number }> {
  if (name === 'switchboard') return startSwitchboardService('history', env);
  const port = await freePort();
  const server = startServer(
    `${name}:${port}`,
    peerScript('history-peer'),
    ['--port', String(port), '--database', env.databaseUrl],
    {},
  );
  try {
    await waitForReadyLine(server);
  } catch (error) {
    await server.stop();
    throw error;
  }
  return { server, port };
}

/** `history`: the newest page of 50 from a room of 1,000,000 messages, as fast as 10 connections ask. */
export async function history(context: ScenarioContext): Promise<void> {
  const count = context.quick ? 10_000 : 1_000_000;
  const warmupSeconds = context.quick ? 1 : 5;
  const seconds = context.quick ? 2 : 15;
  const token = context.env.tokenOf('reader');

  log(`history: seeding ${count} messages`);
  const seedStarted = Date.now();
  await seed(context.env, count);
  log(`history: seeded in ${((Date.now() - seedStarted) / 1000).toFixed(1)} s`);

  const rows: Row[] = [];
  let reference: string | null = null;
  for (const name of TARGETS) {
    const { server, port } = await startTarget(name, context.env);
    try {
      // Both must answer the same page, or the figures compare different work.
      const page = await fetchPage(port, token);
      if (page.status !== 200) throw new Error(`${name} answered ${page.status}: ${page.body}`);
      if ((JSON.parse(page.body) as { messages: unknown[] }).messages.length !== PAGE)
        throw new Error(`${name} answered a page without ${PAGE} messages: ${page.body}`);
      if (reference !== null && page.body !== reference)
        throw new Error(`${name} answers a different body from ${TARGETS[0]}:\n${page.body}`);
      reference = page.body;

      log(
        `history: ${name}, warm-up ${warmupSeconds} s, then ${seconds} s × ${CONNECTIONS} connections`,
      );
      await autocannon(port, token, warmupSeconds);
      const cpuBefore = server.cpuSeconds();
      const run = await autocannon(port, token, seconds);
      const serverCpu = server.cpuSeconds() - cpuBefore;
      const { result } = run;
      rows.push({
        target: name,
        values: {
          reqPerSecond: result.requests.average,
          p50: result.latency.p50,
          p99: result.latency.p99,
          max: result.latency.max,
          non2xx: result.non2xx,
          errors: result.errors,
          cpuPerRequest: result.requests.total ? (serverCpu * 1000) / result.requests.total : null,
          loadCpu: (run.cpuSeconds / run.wallSeconds) * 100,
        },
      });
    } finally {
      await server.stop();
    }
  }

  context.report({
    scenario: 'history',
    case: `newest page of ${PAGE} from ${count} messages, ${CONNECTIONS} connections, ${seconds} s`,
    columns: COLUMNS,
    rows,
    comparisons: [
      ...compare(rows, 'reqPerSecond', { 'node+pg': { op: '>=', limit: 0.8 } }),
      ...compare(rows, 'p99'),
    ],
    notes: [
      'node+pg only checks that a bearer token is present; Switchboard verifies the JWT (HS256) on every request',
      'both use a pg pool of 20 (Switchboard sets extra.max = 20 over TypeORM/pg’s default of 10) and the same index scan on (room, seq), with bound parameters (Switchboard adds `seq < $2`, the cursor it pages by)',
      'Switchboard also checks that the caller may use the room on every request: a second statement (the room’s row and the membership) sent with the page on the same connection, in one round trip; the peer runs the page query alone',
      'loadgen CPU % is autocannon’s CPU over its wall time, startup included: near 100 means the figure is a floor',
    ],
  });
}
