import { Injectable } from '@nestjs/common';
import { RoomEventFrame } from '@switchboard/protocol';
import { ClientSession } from '../connections/client-session';
import { textFrame } from '../connections/websocket-frame';
import { GatewayMetrics } from '../metrics/gateway-metrics';

/**
 * How a session receives a room's live frames:
 * - `syncing`: its join reply is being prepared; live frames wait in `pending`.
 * - `live`: frames go out as they arrive; those with `seq <= watermark` were in the join reply.
 * - `paused`: a resume had more than one reply's worth (`more: true`); the client joins again with
 *   `since`, and live frames are not sent until then (they will come from the database).
 */
export interface Membership {
  phase: 'syncing' | 'live' | 'paused';
  watermark: number;
  pending: { frame: RoomEventFrame; wire: Buffer }[];
}

/** Writes a room's live frames to its members on this instance: the gateway's hot path. */
@Injectable()
export class RoomFanout {
  constructor(private readonly metrics: GatewayMetrics) {}

  /** One WebSocket frame per broadcast, written as is to every local member. */
  broadcast(members: Map<ClientSession, Membership>, frame: RoomEventFrame, raw: string): void {
    const started = process.hrtime.bigint();
    const wire = textFrame(raw);
    let delivered = 0;
    for (const [session, membership] of members) {
      switch (membership.phase) {
        case 'live':
          if (this.deliver(session, membership, frame, wire)) delivered++;
          break;
        case 'syncing':
          membership.pending.push({ frame, wire });
          break;
        case 'paused':
          break;
      }
    }
    const elapsedNs = Number(process.hrtime.bigint() - started);
    this.metrics.deliveries.inc(delivered);
    this.metrics.broadcastDuration.observe(elapsedNs / 1e9);
    this.metrics.liveWindow.record(frame.type === 'message' ? 1 : 0, delivered, elapsedNs);
  }

  /** Sends what waited while the join reply was prepared; the session is live from now on. */
  release(session: ClientSession, membership: Membership): void {
    membership.phase = 'live';
    for (const { frame, wire } of membership.pending)
      this.deliver(session, membership, frame, wire);
    membership.pending = [];
  }

  private deliver(
    session: ClientSession,
    membership: Membership,
    frame: RoomEventFrame,
    wire: Buffer,
  ): boolean {
    switch (frame.type) {
      case 'message':
      case 'message_edited':
      case 'message_deleted':
        if (frame.seq <= membership.watermark) return false;
        break;
      case 'user_joined':
      case 'user_left':
      case 'typing':
      case 'typing_stopped':
        // Presence and typing changes are news for the others only.
        if (frame.user.id === session.user.id) return false;
        break;
      case 'read':
        // The reader's own connections too: their badges clear.
        break;
    }
    if (session.isSlow()) {
      if (session.dropAsSlow()) this.metrics.slowConsumersDropped.inc();
      return false;
    }
    return session.sendFrame(wire);
  }
}
