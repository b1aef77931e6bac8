import { BroadcastWindow } from './live-stats';

describe('BroadcastWindow', () => {
  let clock: number;
  const window = () => new BroadcastWindow(() => clock);

  beforeEach(() => {
    clock = 1000;
  });

  it('reports rates per second over the time the window lasted, then starts a new window', () => {
    const broadcasts = window();
    broadcasts.record(1, 10, 1_000_000);
    broadcasts.record(0, 5, 1_000_000);
    broadcasts.record(1, 10, 1_000_000);
    clock += 500;
    expect(broadcasts.take()).toMatchObject({
      windowMs: 500,
      messagesPerSecond: 4,
      deliveriesPerSecond: 50,
    });
    clock += 1000;
    expect(broadcasts.take()).toEqual({
      windowMs: 1000,
      messagesPerSecond: 0,
      deliveriesPerSecond: 0,
      broadcastLatencyMs: null,
    });
  });

  it('reports latency percentiles within 5% of the true values', () => {
    const broadcasts = window();
    // 1..1000 µs, one each: p50 500 µs, p95 950 µs, p99 990 µs.
    for (let micros = 1000; micros >= 1; micros--) broadcasts.record(1, 1, micros * 1000);
    clock += 1000;
    const { broadcastLatencyMs } = broadcasts.take();
    expect(broadcastLatencyMs?.p50).toBeCloseTo(0.5, 1);
    for (const [reported, truth] of [
      [broadcastLatencyMs!.p50, 0.5],
      [broadcastLatencyMs!.p95, 0.95],
      [broadcastLatencyMs!.p99, 0.99],
    ])
      expect(Math.abs(reported - truth) / truth).toBeLessThan(0.05);
  });

  it('counts a broadcast of no measurable time and one beyond the histogram without failing', () => {
    const broadcasts = window();
    broadcasts.record(0, 0, 0);
    broadcasts.record(0, 0, 60e9);
    clock += 1000;
    const { broadcastLatencyMs } = broadcasts.take();
    expect(broadcastLatencyMs!.p50).toBeLessThan(0.00001);
    expect(broadcastLatencyMs!.p99).toBeGreaterThan(4000);
  });
});
