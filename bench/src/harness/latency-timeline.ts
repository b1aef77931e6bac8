import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { nowMicros } from './stamp';

/** Whole-run latency percentiles, in milliseconds. */
export interface LongRunSummary {
  count: number;
  p50: number;
  p99: number;
  p999: number;
  max: number;
}

/** One time bucket's latencies, in milliseconds (NaN where nothing was received in it). */
export interface BucketSummary {
  /** Seconds from the start of the run to the bucket's start. */
  startSeconds: number;
  count: number;
  p50: number;
  p99: number;
  max: number;
}

const percentileOf = (sorted: Uint32Array, q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] / 1000;

/**
 * Every latency of a long run, in receipt order, with the index where each time bucket starts:
 * receipts come in time order, so a bucket is one slice and the whole run is every slice at once.
 */
export class LatencyTimeline {
  private values = new Uint32Array(1 << 20);
  private count = 0;
  /** bucketStarts[b] is the index of the first latency received in bucket b. */
  private readonly bucketStarts: number[] = [0];
  private readonly started = nowMicros();
  private readonly bucketMicros: number;

  constructor(bucketSeconds: number) {
    this.bucketMicros = bucketSeconds * 1e6;
  }

  /** Records one receipt at `receivedMicros` (the load generator's clock) sent at `sentMicros`. */
  record(sentMicros: number, receivedMicros: number): void {
    const bucket = Math.floor((receivedMicros - this.started) / this.bucketMicros);
    while (this.bucketStarts.length <= bucket) this.bucketStarts.push(this.count);
    if (this.count === this.values.length) {
      const grown = new Uint32Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.count++] = Math.max(0, receivedMicros - sentMicros);
  }

  summary(): LongRunSummary {
    if (this.count === 0) return { count: 0, p50: NaN, p99: NaN, p999: NaN, max: NaN };
    const sorted = this.values.slice(0, this.count).sort();
    return {
      count: this.count,
      p50: percentileOf(sorted, 0.5),
      p99: percentileOf(sorted, 0.99),
      p999: percentileOf(sorted, 0.999),
      max: sorted[sorted.length - 1] / 1000,
    };
  }

  buckets(): BucketSummary[] {
    const seconds = this.bucketMicros / 1e6;
    return this.bucketStarts.map((start, b) => {
      const end = this.bucketStarts[b + 1] ?? this.count;
      const sorted = this.values.slice(start, end).sort();
      const empty = sorted.length === 0;
      return {
        startSeconds: b * seconds,
        count: sorted.length,
        p50: empty ? NaN : percentileOf(sorted, 0.5),
        p99: empty ? NaN : percentileOf(sorted, 0.99),
        max: empty ? NaN : sorted[sorted.length - 1] / 1000,
      };
    });
  }
}

const WIDTH = 900;
const HEIGHT = 420;
const MARGIN = { left: 60, right: 170, top: 30, bottom: 40 };
const SERIES_COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd'];
const STATISTICS = [
  { key: 'p50', dash: '2 3', label: 'p50' },
  { key: 'p99', dash: '', label: 'p99' },
  { key: 'max', dash: '8 4', label: 'max' },
] as const;

const escapeXml = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * A line chart (SVG, no dependencies) of each target's p50/p99/max per bucket on a logarithmic
 * millisecond axis: a long run's tail shows as spikes of the max and p99 lines.
 */
export function latencyTimelineSvg(
  title: string,
  series: { target: string; buckets: BucketSummary[] }[],
): string {
  const points = series.flatMap(({ buckets }) => buckets);
  const values = points.flatMap((b) => [b.p50, b.p99, b.max]).filter((v) => v > 0);
  const lowest = Math.max(0.1, Math.min(...values, 1));
  const highest = Math.max(...values, 10);
  const logLow = Math.floor(Math.log10(lowest));
  const logHigh = Math.ceil(Math.log10(highest));
  const lastSecond = Math.max(...points.map((b) => b.startSeconds), 1);
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const x = (seconds: number) => MARGIN.left + (seconds / lastSecond) * plotWidth;
  const y = (ms: number) =>
    MARGIN.top + plotHeight - ((Math.log10(ms) - logLow) / (logHigh - logLow)) * plotHeight;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" font-family="sans-serif" font-size="12">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="white"/>`,
    `<text x="${MARGIN.left}" y="18" font-size="14">${escapeXml(title)}</text>`,
  ];
  for (let power = logLow; power <= logHigh; power++) {
    const ms = 10 ** power;
    parts.push(
      `<line x1="${MARGIN.left}" x2="${MARGIN.left + plotWidth}" y1="${y(ms)}" y2="${y(ms)}" stroke="#ddd"/>`,
      `<text x="${MARGIN.left - 6}" y="${y(ms) + 4}" text-anchor="end">${ms >= 1 ? ms : ms.toFixed(1)} ms</text>`,
    );
  }
  const tickSeconds = Math.max(5, Math.ceil(lastSecond / 10 / 5) * 5);
  for (let seconds = 0; seconds <= lastSecond; seconds += tickSeconds) {
    parts.push(
      `<text x="${x(seconds)}" y="${HEIGHT - MARGIN.bottom + 16}" text-anchor="middle">${seconds}</text>`,
    );
  }
  parts.push(
    `<text x="${MARGIN.left + plotWidth / 2}" y="${HEIGHT - 6}" text-anchor="middle">seconds into the run (bucket start)</text>`,
    `<rect x="${MARGIN.left}" y="${MARGIN.top}" width="${plotWidth}" height="${plotHeight}" fill="none" stroke="#888"/>`,
  );
  series.forEach(({ target, buckets }, i) => {
    const colour = SERIES_COLOURS[i % SERIES_COLOURS.length];
    for (const [s, statistic] of STATISTICS.entries()) {
      const path = buckets
        .filter((b) => b[statistic.key] > 0)
        .map((b) => `${x(b.startSeconds).toFixed(1)},${y(b[statistic.key]).toFixed(1)}`)
        .join(' ');
      parts.push(
        `<polyline points="${path}" fill="none" stroke="${colour}" stroke-width="1.5" stroke-dasharray="${statistic.dash}"/>`,
      );
      const legendY = MARGIN.top + 10 + (i * STATISTICS.length + s) * 16;
      const legendX = WIDTH - MARGIN.right + 10;
      parts.push(
        `<line x1="${legendX}" x2="${legendX + 24}" y1="${legendY}" y2="${legendY}" stroke="${colour}" stroke-width="1.5" stroke-dasharray="${statistic.dash}"/>`,
        `<text x="${legendX + 30}" y="${legendY + 4}">${escapeXml(`${target} ${statistic.label}`)}</text>`,
      );
    }
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

/** bench/results of the repository the compiled bench runs from (the nearest folder with a package.json). */
export function resultsDirectory(): string {
  for (let dir = __dirname; dir !== dirname(dir); dir = dirname(dir))
    if (existsSync(join(dir, 'package.json'))) return join(dir, 'bench', 'results');
  throw new Error(`no package.json above ${__dirname}`);
}

/** Writes `file` into bench/results (where the run's .md lands) and returns its name, for a link. */
export function writeBesideResults(file: string, content: string): string {
  const directory = resultsDirectory();
  mkdirSync(directory, { recursive: true });
  writeFileSync(join(directory, file), content);
  return file;
}
