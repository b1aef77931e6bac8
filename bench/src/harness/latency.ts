/** Latencies in microseconds, kept whole (not bucketed) so percentiles are exact. */
export class LatencyRecorder {
  private values = new Float64Array(1 << 16);
  count = 0;

  record(micros: number): void {
    if (this.count === this.values.length) {
      const grown = new Float64Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.count++] = micros;
  }

  reset(): void {
    this.count = 0;
  }

  /** p50/p95/p99/max in milliseconds. */
  summary(): LatencySummary {
    if (this.count === 0) return { p50: NaN, p95: NaN, p99: NaN, max: NaN };
    const sorted = this.values.slice(0, this.count).sort();
    const at = (q: number) => sorted[Math.min(this.count - 1, Math.floor(q * this.count))] / 1000;
    return { p50: at(0.5), p95: at(0.95), p99: at(0.99), max: sorted[this.count - 1] / 1000 };
  }
}

export interface LatencySummary {
  p50: number;
  p95: number;
  p99: number;
  max: number;
}
