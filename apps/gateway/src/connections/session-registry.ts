import { Injectable, Logger } from '@nestjs/common';
import { UserRef } from '@switchboard/protocol';
import { RepeatedFailureLog } from '@switchboard/observability';
import { GatewayMetrics } from '../metrics/gateway-metrics';
import type { Socket } from 'node:net';
import { WebSocket } from 'ws';
import { ClientSession } from './client-session';

/** The open sessions of this instance, by socket. */
@Injectable()
export class SessionRegistry {
  private readonly sessions = new Map<WebSocket, ClientSession>();
  private readonly closing = new Set<Promise<void>>();
  private readonly failures = new RepeatedFailureLog(new Logger(ClientSession.name));

  constructor(private readonly metrics: GatewayMetrics) {}

  open(socket: WebSocket, user: UserRef, transport: Socket): ClientSession {
    const session = new ClientSession(socket, user, transport, this.failures);
    this.sessions.set(socket, session);
    this.metrics.connections.inc();
    return session;
  }

  get(socket: WebSocket): ClientSession | undefined {
    return this.sessions.get(socket);
  }

  close(socket: WebSocket): ClientSession | undefined {
    const session = this.sessions.get(socket);
    if (session) {
      this.sessions.delete(socket);
      this.metrics.connections.dec();
    }
    return session;
  }

  /** Runs a closed session's last task (leaving its rooms); `drain` waits for every such task. */
  finish(session: ClientSession, task: () => Promise<void>): void {
    const done = session.enqueueLast(task);
    this.closing.add(done);
    void done.finally(() => this.closing.delete(done));
  }

  async drain(): Promise<void> {
    while (this.closing.size > 0) await Promise.allSettled([...this.closing]);
  }

  all(): IterableIterator<ClientSession> {
    return this.sessions.values();
  }
}
