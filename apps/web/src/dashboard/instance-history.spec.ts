import type { InstanceStats } from '@switchboard/protocol';
import { addSnapshot, HISTORY_LENGTH, InstanceHistory, snapshotsOf } from './instance-history';
import { sparklinePoints } from './sparkline-points';

const snapshot = (instanceId: string, ts: number, connections = 1): InstanceStats => ({
  instanceId,
  service: 'gateway',
  ts,
  windowMs: 1000,
  connections,
  sseStreams: 0,
  messagesPerSecond: 0,
  deliveriesPerSecond: 0,
  broadcastLatencyMs: null,
});

describe('the dashboard history', () => {
  it('keeps each instance its own series, the last minute only', () => {
    let history: InstanceHistory = new Map();
    for (let second = 0; second < HISTORY_LENGTH + 5; second += 1) {
      history = addSnapshot(history, snapshot('a', second * 1000));
      if (second % 2 === 0) history = addSnapshot(history, snapshot('b', second * 1000));
    }
    expect(history.get('a')).toHaveLength(HISTORY_LENGTH);
    expect(history.get('a')?.[0].ts).toBe(5_000);
    expect(history.get('b')).toHaveLength(Math.ceil((HISTORY_LENGTH + 5) / 2));
  });

  it('replaces a snapshot sent again for the same window instead of adding it twice', () => {
    let history: InstanceHistory = new Map();
    history = addSnapshot(history, snapshot('a', 1000, 1));
    history = addSnapshot(history, snapshot('a', 1000, 2));
    expect(history.get('a')?.map((s) => s.connections)).toEqual([2]);
  });

  it("reads the instances of a stats event's data", () => {
    const one = snapshot('a', 1);
    expect(snapshotsOf(JSON.stringify({ instances: [one, snapshot('b', 1)] }))).toEqual([
      one,
      snapshot('b', 1),
    ]);
  });
});

describe('sparklinePoints', () => {
  it('scales to the largest value, newest at the right edge, and breaks the line at a null', () => {
    expect(sparklinePoints([0, 10, null, 5], 30, 12, 1)).toEqual(['0.0,11.0 10.0,1.0', '30.0,6.0']);
  });

  it('scales to the floor when every value is below it, so an idle line stays low', () => {
    expect(sparklinePoints([0, 1], 10, 12, 10)).toEqual(['0.0,11.0 10.0,10.0']);
  });
});
