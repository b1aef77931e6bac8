import type { InstanceStats } from '@switchboard/protocol';

/** How many snapshots a chart shows: a minute at one a second. */
export const HISTORY_LENGTH = 60;

/** Each instance's snapshots, oldest first, at most HISTORY_LENGTH; instances in a stable order. */
export type InstanceHistory = ReadonlyMap<string, readonly InstanceStats[]>;

/** `history` with `snapshot` appended to its instance's series (a repeated `ts` replaces the last). */
export function addSnapshot(history: InstanceHistory, snapshot: InstanceStats): InstanceHistory {
  const series = history.get(snapshot.instanceId) ?? [];
  const last = series.at(-1);
  const kept = last && last.ts === snapshot.ts ? series.slice(0, -1) : series;
  const next = new Map(history);
  next.set(snapshot.instanceId, [...kept, snapshot].slice(-HISTORY_LENGTH));
  return next;
}

/** The snapshots one `stats` event of `/admin/stats/stream` carries: `{"instances": [...]}`. */
export function snapshotsOf(data: string): InstanceStats[] {
  return (JSON.parse(data) as { instances: InstanceStats[] }).instances;
}
