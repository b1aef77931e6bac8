import { LatencySummary } from './latency';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Column {
  key: string;
  label: string;
  digits: number;
}

/** The figures of every scenario that measures a delivery rate (fanout, fanout-max, sse). */
export const DELIVERY_COLUMNS: Column[] = [
  { key: 'deliveriesPerSecond', label: 'deliveries/s', digits: 0 },
  { key: 'p50', label: 'p50 ms', digits: 2 },
  { key: 'p95', label: 'p95 ms', digits: 2 },
  { key: 'p99', label: 'p99 ms', digits: 2 },
  { key: 'max', label: 'max ms', digits: 2 },
  { key: 'lost', label: 'lost', digits: 0 },
  { key: 'peakRssMb', label: 'peak RSS MB', digits: 1 },
  { key: 'cpuPerDelivery', label: 'server CPU µs/delivery', digits: 2 },
  { key: 'loadCpu', label: 'loadgen CPU %', digits: 0 },
];

/** What a delivery-rate run measured, in the units DELIVERY_COLUMNS show. */
export interface DeliveryFigures {
  deliveriesPerSecond: number;
  latency: LatencySummary;
  lost: number;
  peakRssMb: number;
  cpuPerDeliveryMicros: number;
  loadCpuPercent: number;
}

export function deliveryValues(run: DeliveryFigures): Record<string, number> {
  return {
    deliveriesPerSecond: run.deliveriesPerSecond,
    ...run.latency,
    lost: run.lost,
    peakRssMb: run.peakRssMb,
    cpuPerDelivery: run.cpuPerDeliveryMicros,
    loadCpu: run.loadCpuPercent,
  };
}

/** One target's figures in one case. */
export interface Row {
  target: string;
  values: Record<string, number | null>;
}

/** Switchboard's figure against a peer's: ratio = switchboard / peer. */
export interface Comparison {
  metric: string;
  peer: string;
  switchboard: number;
  peerValue: number;
  ratio: number;
  /** The issue's target, e.g. `<= 1.25`; null where the ratio is reported, not judged. */
  target: { op: '<=' | '>='; limit: number } | null;
  pass: boolean | null;
}

export interface CaseResult {
  scenario: string;
  case: string;
  columns: Column[];
  rows: Row[];
  comparisons: Comparison[];
  notes: string[];
  /** How many runs each row's figures are the median of (1 when absent): every ratio line says so. */
  medianOf?: number;
}

/**
 * Compares Switchboard's `metric` with every other row; `targets` gives the judged ones by peer name.
 */
export function compare(
  rows: Row[],
  metric: string,
  targets: Record<string, { op: '<=' | '>='; limit: number }> = {},
): Comparison[] {
  const own = rows.find((row) => row.target === 'switchboard')?.values[metric];
  if (own === undefined || own === null) return [];
  return rows
    .filter((row) => row.target !== 'switchboard')
    .flatMap((row) => {
      const peerValue = row.values[metric];
      if (peerValue === undefined || peerValue === null || peerValue === 0) return [];
      const ratio = own / peerValue;
      const target = targets[row.target] ?? null;
      const pass = target
        ? target.op === '<='
          ? ratio <= target.limit
          : ratio >= target.limit
        : null;
      return [{ metric, peer: row.target, switchboard: own, peerValue, ratio, target, pass }];
    });
}

const format = (value: number | null | undefined, digits: number) =>
  value === null || value === undefined || Number.isNaN(value) ? '—' : value.toFixed(digits);

function table(result: CaseResult): string[][] {
  return [
    ['target', ...result.columns.map((column) => column.label)],
    ...result.rows.map((row) => [
      row.target,
      ...result.columns.map((column) => format(row.values[column.key], column.digits)),
    ]),
  ];
}

function comparisonLine(comparison: Comparison, result: CaseResult): string {
  const columns = result.columns;
  const runs = result.medianOf ?? 1;
  const column = columns.find((c) => c.key === comparison.metric);
  const label = column?.label ?? comparison.metric;
  const digits = column?.digits ?? 2;
  const verdict = comparison.target
    ? ` (target ${comparison.target.op} ${comparison.target.limit}×: ${comparison.pass ? 'met' : 'MISSED'})`
    : '';
  const basis = runs > 1 ? `, medians of ${runs} runs` : ', one run';
  return `${label}: switchboard ${format(comparison.switchboard, digits)} vs ${comparison.peer} ${format(comparison.peerValue, digits)} = ${comparison.ratio.toFixed(2)}×${basis}${verdict}`;
}

/** The case as aligned text for the terminal. */
export function renderText(result: CaseResult): string {
  const cells = table(result);
  const widths = cells[0].map((_, i) => Math.max(...cells.map((row) => row[i].length)));
  const lines = cells.map((row) =>
    row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  '),
  );
  return [
    `\n${result.scenario} — ${result.case}`,
    ...lines,
    ...result.comparisons.map((c) => `  ${comparisonLine(c, result)}`),
    ...result.notes.map((note) => `  note: ${note}`),
  ].join('\n');
}

export function renderMarkdown(result: CaseResult): string {
  const cells = table(result);
  const lines = [
    `### ${result.scenario} — ${result.case}`,
    '',
    `| ${cells[0].join(' | ')} |`,
    `|${cells[0].map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`,
    ...cells.slice(1).map((row) => `| ${row.join(' | ')} |`),
    '',
    ...result.comparisons.map((c) => `- ${comparisonLine(c, result)}`),
    ...result.notes.map((note) => `- note: ${note}`),
    '',
  ];
  return lines.join('\n');
}

/** Writes `<stamp>.json` and `<stamp>.md` under bench/results; returns their paths. */
export function writeResults(
  directory: string,
  run: {
    startedAt: string;
    quick: boolean;
    machine: Record<string, unknown>;
    /** Each scenario's wall time in seconds, in run order: the suite's budget is 30 minutes. */
    wallSeconds: Record<string, number>;
    results: CaseResult[];
  },
): { json: string; markdown: string } {
  mkdirSync(directory, { recursive: true });
  const stamp = `${run.startedAt.replace(/[:.]/g, '-')}${run.quick ? '-quick' : ''}`;
  const json = join(directory, `${stamp}.json`);
  const markdown = join(directory, `${stamp}.md`);
  writeFileSync(json, `${JSON.stringify(run, null, 2)}\n`);
  const machine = Object.entries(run.machine)
    .map(([key, value]) => `- ${key}: ${String(value)}`)
    .join('\n');
  const seconds = Object.values(run.wallSeconds).reduce((sum, each) => sum + each, 0);
  const wall = `- wall time: ${(seconds / 60).toFixed(1)} min (${Object.entries(run.wallSeconds)
    .map(([name, each]) => `${name} ${(each / 60).toFixed(1)}`)
    .join(', ')})`;
  writeFileSync(
    markdown,
    `# Benchmark run ${run.startedAt}${run.quick ? ' (quick)' : ''}\n\n${machine}\n${wall}\n\n${run.results.map(renderMarkdown).join('\n')}`,
  );
  return { json, markdown };
}
