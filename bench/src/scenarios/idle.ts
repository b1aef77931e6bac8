import { closeAll, openConnections, sleep } from '../harness/connections';
import { log, Progress } from '../harness/progress';
import { compare, Row } from '../harness/report';
import { startWsTarget, WsTargetName } from '../harness/targets';
import { ScenarioContext } from './scenario';

const TARGETS: WsTargetName[] = ['ws', 'socket.io', 'switchboard'];
/** Time for the server to finish the handshakes' work before memory is first read. */
const SETTLE_MS = 3000;
/**
 * Memory is read again after this long idle: V8 keeps the join phase's garbage and grown heap resident
 * until its memory reducer runs (seen between 20 and 30 s after the last join, no forced GC), so the
 * first reading is the peak after connecting and this one what an idle server holds.
 */
const SETTLED_MS = 40_000;
/** Idle connections sit in conversations: rooms of this many users, each joined on connecting. */
const ROOM_SIZE = 10;
const roomOf = (connection: number) => `idle-room-${Math.floor(connection / ROOM_SIZE)}`;

/**
 * `idle`: memory per open, authenticated, idle connection on one server process, each joined to a
 * room of ROOM_SIZE (Switchboard: a presence join, so membership, presence and status state are held):
 * resident memory after opening and joining N connections, once settled, minus before, over N.
 */
export async function idle(context: ScenarioContext): Promise<void> {
  const sizes = context.quick ? [200] : [10_000, 19_000];
  for (const count of sizes) {
    const rows: Row[] = [];
    for (const name of TARGETS.filter((target) => context.selects(target))) {
      log(`idle: ${name}, ${count} connections`);
      const target = await startWsTarget(name, context.env, { instances: 1 });
      const progress = new Progress(`${name} idle`);
      try {
        const [server] = target.servers.processes;
        await sleep(1000);
        const before = server.memoryKb().rss;
        const sockets = await openConnections(
          count,
          (i) => ({
            port: target.ports[0],
            path: target.protocol.path(`idle-${i}`, roomOf(i)),
            setup: (ws) => target.protocol.join(ws, roomOf(i)),
          }),
          progress,
        );
        try {
          await sleep(SETTLE_MS);
          const early = server.memoryKb().rss;
          if (!context.quick) await sleep(SETTLED_MS - SETTLE_MS);
          const settled = server.memoryKb().rss;
          rows.push({
            target: name,
            values: {
              baseMb: before / 1024,
              earlyMb: early / 1024,
              earlyPerConnectionKb: (early - before) / count,
              afterMb: settled / 1024,
              perConnectionKb: (settled - before) / count,
            },
          });
        } finally {
          closeAll(sockets);
          progress.done();
        }
      } finally {
        await target.servers.stop();
      }
    }
    context.report({
      scenario: 'idle',
      case: `${count} idle connections on one server process, each joined to a room of ${ROOM_SIZE}`,
      columns: [
        { key: 'baseMb', label: 'RSS before MB', digits: 1 },
        { key: 'earlyMb', label: `RSS ${SETTLE_MS / 1000} s after MB`, digits: 1 },
        { key: 'earlyPerConnectionKb', label: `KB/connection at ${SETTLE_MS / 1000} s`, digits: 2 },
        { key: 'afterMb', label: 'RSS settled MB', digits: 1 },
        { key: 'perConnectionKb', label: 'KB per connection (settled)', digits: 2 },
      ],
      rows,
      comparisons: compare(rows, 'perConnectionKb', { ws: { op: '<=', limit: 1.3 } }),
      notes: [
        'Switchboard connections are authenticated (a JWT verified in the upgrade); the peers take anyone.',
        context.quick
          ? `--quick: memory read once, ${SETTLE_MS / 1000} s after the last connection`
          : `memory read ${SETTLE_MS / 1000} s after the last connection (join-phase garbage and heap growth still resident) and again after ${SETTLED_MS / 1000} s idle (settled: V8's memory reducer has run; no forced GC); the comparison is on the settled figure`,
        `each connection is its own user and joins a room of ${ROOM_SIZE} (Switchboard: join frame answered with history, members and read state; bare ws: room by upgrade path; Socket.IO: join event); typing state is not held, as it lapses while a connection is idle`,
      ],
    });
  }
}
