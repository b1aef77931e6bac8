import { closeAll, openConnections, sleep } from '../harness/connections';
import { log, Progress } from '../harness/progress';
import { compare, Row } from '../harness/report';
import { startWsTarget, WsTargetName } from '../harness/targets';
import { ScenarioContext } from './scenario';

const TARGETS: WsTargetName[] = ['ws', 'socket.io', 'switchboard'];
/** Time for the server to finish the handshakes' work before memory is first read. */
const SETTLE_MS = 3000;
/**
 * Memory is read again this long after a full GC forced through the inspector, in every target alike:
 * V8 keeps the join phase's garbage resident until its memory reducer happens to run (20 s to more
 * than 60 s after the last join, for Switchboard and bare ws alike), so a reading after a fixed idle
 * wait recorded chance; after the GC it is what the server holds. The wait lets freed pages go back.
 */
const AFTER_GC_MS = 2000;
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
      const target = await startWsTarget(name, context.env, { instances: 1, inspector: true });
      const progress = new Progress(`${name} idle`);
      try {
        const [server] = target.servers.processes;
        // The baseline is read after a full GC too, so start-up garbage counts on neither side.
        await sleep(1000);
        await server.collectGarbage();
        await sleep(AFTER_GC_MS);
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
          await server.collectGarbage();
          await sleep(AFTER_GC_MS);
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
        { key: 'afterMb', label: 'RSS after a full GC MB', digits: 1 },
        { key: 'perConnectionKb', label: 'KB per connection (after a full GC)', digits: 2 },
      ],
      rows,
      comparisons: compare(rows, 'perConnectionKb', { ws: { op: '<=', limit: 1.3 } }),
      notes: [
        'Switchboard connections are authenticated (a JWT verified in the upgrade); the peers take anyone.',
        `memory read before connecting (after a full GC), ${SETTLE_MS / 1000} s after the last connection (join-phase garbage and heap growth still resident) and again ${AFTER_GC_MS / 1000} s after a full GC forced in every target alike through its inspector (HeapProfiler.collectGarbage): what the server holds, where a fixed idle wait recorded whether V8's memory reducer happened to run; the comparison is on the figure after the GC`,
        `each connection is its own user and joins a room of ${ROOM_SIZE} (Switchboard: join frame answered with history, members and read state; bare ws: room by upgrade path; Socket.IO: join event); typing state is not held, as it lapses while a connection is idle`,
      ],
    });
  }
}
