import { Injectable } from '@nestjs/common';
import { RoomEventFrame } from '@switchboard/protocol';
import { ClientSession } from '../connections/client-session';
import { textFrame } from '../connections/websocket-frame';
import { GatewayMetrics } from '../metrics/gateway-metrics';

/**
 * How a session receives a room's live frames:
 * - `syncing`: its join reply is being prepared; live frames wait in `pending` (made by the first).
 * - `live`: frames go out as they arrive; those with `seq <= watermark` were in the join reply.
 * - `paused`: a resume had more than one reply's worth (`more: true`); the client joins again with
 *   `since`, and live frames are not sent until then (they will come from the database).
 */
export interface Membership {
  phase: 'syncing' | 'live' | 'paused';
  watermark: number;
  pending: { frame: RoomEventFrame; wire: Buffer }[] | undefined;
}

/** Members whose watermark is at least this got the frame in their join reply; unsequenced frames reach everyone. */
function sequenceOf(frame: RoomEventFrame): number {
  switch (frame.type) {
    case 'message':
    case 'message_edited':
    case 'message_deleted':
      return frame.seq;
    default:
      return Infinity;
  }
}

/**
 * The user whose own connections skip the frame: presence and typing changes are news for the
 * others only (a `read` reaches the reader's connections too: their badges clear).
 */
function userSkipped(frame: RoomEventFrame): string | undefined {
  switch (frame.type) {
    case 'user_joined':
    case 'user_left':
    case 'typing':
    case 'typing_stopped':
      return frame.user.id;
    default:
      return undefined;
  }
}

/** Writes a room's live frames to its members on this instance: the gateway's hot path. */
@Injectable()
export class RoomFanout {
  constructor(private readonly metrics: GatewayMetrics) {}

  /**
   * One WebSocket frame per broadcast, written as is to every local member. Who skips it is decided
   * once per broadcast, so the loop over members only compares numbers and strings. The loop is
   * `Map.forEach`: `for (const [session, membership] of members)` allocates an entry array per
   * member, garbage at 10,000 deliveries/s that made scavenges (and promotions) more frequent.
   */
  broadcast(members: Map<ClientSession, Membership>, frame: RoomEventFrame, raw: string): void {
    const started = process.hrtime.bigint();
    const wire = textFrame(raw);
    const seq = sequenceOf(frame);
    const skippedUserId = userSkipped(frame);
    let delivered = 0;
    members.forEach((membership, session) => {
      if (membership.phase !== 'live') {
        if (membership.phase === 'syncing') (membership.pending ??= []).push({ frame, wire });
        return;
      }
      if (seq <= membership.watermark || session.user.id === skippedUserId) return;
      if (this.write(session, wire)) delivered++;
    });
    const elapsedNs = Number(process.hrtime.bigint() - started);
    this.metrics.deliveries.inc(delivered);
    this.metrics.broadcastDuration.observe(elapsedNs / 1e9);
    this.metrics.liveWindow.record(frame.type === 'message' ? 1 : 0, delivered, elapsedNs);
  }

  /** Sends what waited while the join reply was prepared; the session is live from now on. */
  release(session: ClientSession, membership: Membership): void {
    membership.phase = 'live';
    for (const { frame, wire } of membership.pending ?? []) {
      if (sequenceOf(frame) <= membership.watermark || session.user.id === userSkipped(frame))
        continue;
      this.write(session, wire);
    }
    membership.pending = undefined;
  }

  /** False when nothing was written: the connection is gone, or too slow and closed now. */
  private write(session: ClientSession, wire: Buffer): boolean {
    if (session.isSlow()) {
      if (session.dropAsSlow()) this.metrics.slowConsumersDropped.inc();
      return false;
    }
    return session.sendFrame(wire);
  }
}
