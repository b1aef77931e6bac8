import { closeAll, openConnections, sleep } from '../harness/connections';
import { log, Progress } from '../harness/progress';
import { compare, Row } from '../harness/report';
import { startWsTarget, WsTargetName } from '../harness/targets';
import { ScenarioContext } from './scenario';

const TARGETS: WsTargetName[] = ['ws', 'socket.io', 'switchboard'];
/** Time for the server to finish the handshakes' work before memory is read. */
const SETTLE_MS = 3000;

/**
 * `idle`: memory per open, authenticated, idle connection on one server process: resident memory
 * after opening N connections, minus before, over N.
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
            path: target.protocol.path(`idle-${i}`, null),
            setup: (ws) => target.protocol.ready(ws),
          }),
          progress,
        );
        try {
          await sleep(SETTLE_MS);
          const after = server.memoryKb().rss;
          rows.push({
            target: name,
            values: {
              baseMb: before / 1024,
              afterMb: after / 1024,
              perConnectionKb: (after - before) / count,
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
      case: `${count} idle connections on one server process`,
      columns: [
        { key: 'baseMb', label: 'RSS before MB', digits: 1 },
        { key: 'afterMb', label: 'RSS after MB', digits: 1 },
        { key: 'perConnectionKb', label: 'KB per connection', digits: 2 },
      ],
      rows,
      comparisons: compare(rows, 'perConnectionKb', { ws: { op: '<=', limit: 1.3 } }),
      notes: [
        'Switchboard connections are authenticated (a JWT verified in the upgrade); the peers take anyone.',
      ],
    });
  }
}
