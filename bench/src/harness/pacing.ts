import { sleep } from './connections';
import { nowMicros } from './stamp';

/**
 * Calls `send(i)` for i = 0 … total − 1, each when it falls due at `perSecond` (checked every
 * millisecond, so a late turn catches up rather than lowering the rate); `onTick` after each turn.
 */
export async function paceSends(
  total: number,
  perSecond: number,
  send: (index: number) => void,
  onTick: (sent: number) => void,
): Promise<void> {
  const started = nowMicros();
  let sent = 0;
  while (sent < total) {
    const due = Math.min(total, Math.floor(((nowMicros() - started) / 1e6) * perSecond) + 1);
    for (; sent < due; sent++) send(sent);
    onTick(sent);
    await sleep(1);
  }
}

/** Waits until `done()` holds or `ms` have passed: what arrives later counts as lost. */
export async function drain(done: () => boolean, ms: number, onTick?: () => void): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done() && Date.now() < deadline) {
    onTick?.();
    await sleep(5);
  }
}
