import type { InstanceStats } from '@switchboard/protocol';
import { useEffect, useMemo, useState } from 'react';
import type { AppConfig } from '../shared/config';
import { followEventStream, StreamState } from '../shared/event-stream';
import { tokenSource } from '../shared/tokens';
import { addSnapshot, InstanceHistory, snapshotsOf } from './instance-history';
import { Sparkline } from './sparkline';

const number = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });
// Broadcasts take well under a millisecond when idle: significant digits, not decimals.
const latency = new Intl.NumberFormat(undefined, { maximumSignificantDigits: 2 });
const ms = (value: number | undefined) =>
  value === undefined ? '–' : `${latency.format(value)} ms`;

/**
 * The live dashboard: every instance's latest figures from the notification service's
 * `/admin/stats/stream`, each second, with the last minute as sparklines.
 */
export function DashboardPage(props: { config: AppConfig }) {
  const { config } = props;
  const [history, setHistory] = useState<InstanceHistory>(new Map());
  const [state, setState] = useState<StreamState>('connecting');
  const token = useMemo(
    () => tokenSource(config, { userId: 'dashboard', name: 'Dashboard', admin: true }),
    [config],
  );

  useEffect(
    () =>
      followEventStream({
        url: `${config.notificationsUrl}/admin/stats/stream`,
        headers: async () => ({ Authorization: `Bearer ${await token()}` }),
        onState: setState,
        onEvent: (event) => {
          if (event.event !== 'stats') return;
          const snapshots = snapshotsOf(event.data);
          setHistory((current) => snapshots.reduce(addSnapshot, current));
        },
      }),
    [config, token],
  );

  // Gateways first, then notification instances, each by id: cards keep their places.
  const instances = [...history.entries()].sort(
    ([a, seriesA], [b, seriesB]) =>
      seriesA[0].service.localeCompare(seriesB[0].service) || a.localeCompare(b),
  );
  const latest = instances.map(([, series]) => series.at(-1)).filter((s) => s !== undefined);
  const total = (pick: (stats: InstanceStats) => number) =>
    latest.reduce((sum, stats) => sum + pick(stats), 0);

  return (
    <main className="dashboard">
      <header>
        <h1>Switchboard live</h1>
        <span className={`connection ${state}`} data-testid="stream-state">
          {state}
        </span>
        <a href="/">chat</a>
      </header>
      <section className="totals" aria-label="Totals">
        <Figure
          label="Connections"
          value={total((s) => s.connections)}
          testId="total-connections"
        />
        <Figure label="SSE streams" value={total((s) => s.sseStreams)} testId="total-sse-streams" />
        <Figure
          label="Messages/s"
          value={total((s) => s.messagesPerSecond)}
          testId="total-messages"
        />
        <Figure
          label="Deliveries/s"
          value={total((s) => s.deliveriesPerSecond)}
          testId="total-deliveries"
        />
      </section>
      <section className="instances">
        {instances.map(([instanceId, series]) => (
          <InstanceCard key={instanceId} series={series} />
        ))}
        {instances.length === 0 ? <p>Waiting for the first snapshot…</p> : null}
      </section>
    </main>
  );
}

function Figure(props: { label: string; value: number; testId: string }) {
  return (
    <div className="figure">
      <span className="label">{props.label}</span>
      <span className="value" data-testid={props.testId}>
        {number.format(props.value)}
      </span>
    </div>
  );
}

function InstanceCard(props: { series: readonly InstanceStats[] }) {
  const { series } = props;
  const last = series[series.length - 1];
  const line = (pick: (stats: InstanceStats) => number | null) => series.map(pick);
  const rows: { label: string; value: string; values: (number | null)[] }[] = [
    {
      label: 'connections',
      value: number.format(last.connections),
      values: line((s) => s.connections),
    },
    {
      label: 'SSE streams',
      value: number.format(last.sseStreams),
      values: line((s) => s.sseStreams),
    },
    {
      label: 'messages/s',
      value: number.format(last.messagesPerSecond),
      values: line((s) => s.messagesPerSecond),
    },
    {
      label: 'deliveries/s',
      value: number.format(last.deliveriesPerSecond),
      values: line((s) => s.deliveriesPerSecond),
    },
    {
      label: 'broadcast p50',
      value: ms(last.broadcastLatencyMs?.p50),
      values: line((s) => s.broadcastLatencyMs?.p50 ?? null),
    },
    {
      label: 'broadcast p95',
      value: ms(last.broadcastLatencyMs?.p95),
      values: line((s) => s.broadcastLatencyMs?.p95 ?? null),
    },
    {
      label: 'broadcast p99',
      value: ms(last.broadcastLatencyMs?.p99),
      values: line((s) => s.broadcastLatencyMs?.p99 ?? null),
    },
  ];
  return (
    <article
      className="instance"
      data-testid="instance"
      data-instance={last.instanceId}
      data-service={last.service}
    >
      <h2>
        {last.service} <small>{last.instanceId}</small>
      </h2>
      <table>
        <tbody>
          {rows.map((row) => (
            <tr key={row.label}>
              <th scope="row">{row.label}</th>
              <td className="value" data-testid={`${row.label}`}>
                {row.value}
              </td>
              <td>
                <Sparkline values={row.values} label={`${row.label}, last minute`} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </article>
  );
}
