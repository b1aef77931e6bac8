import { SwitchboardClient, SwitchboardError, WebSocketLike } from '@switchboard/client';
import { AckFrame, ChatMessage, ClientFrame, ServerFrame } from '@switchboard/protocol';
import { signTestToken } from '@switchboard/testing';
import { WebSocket } from 'ws';

/** One `send` an application made, and what became of it. */
export interface SendRecord {
  readonly client: FleetClient;
  readonly room: string;
  /** Unique in the run, so that a stored row names the send it came from. */
  readonly text: string;
  readonly issuedAt: number;
  outcome: 'pending' | 'acked' | 'refused';
  ack?: AckFrame;
  /** The SwitchboardError code a refused send was rejected with. */
  refusal?: string;
}

/**
 * What one client's sockets carried, seen below the SDK: how many times each message went out (a
 * retry is a second transmission of the same clientMsgId) and which refusals the server answered to
 * which message, matched as the SDK does (the server answers every frame once, in order).
 */
export class WireTap {
  /** Connections opened (the first one and every reconnection). */
  opened = 0;
  /** The close code of every opened connection that ended. */
  readonly closeCodes: number[] = [];
  /** clientMsgId → message frames sent with it. */
  readonly transmissions = new Map<string, number>();
  /** clientMsgId → the error codes answered to its transmissions. */
  readonly refusals = new Map<string, string[]>();
  /** room → the seqs of the messages that reached the socket (live or in join replies), whatever the SDK did with them. */
  readonly seqsReceived = new Map<string, Set<number>>();

  watch(socket: WebSocket): void {
    let open = false;
    socket.on('open', () => {
      open = true;
      this.opened++;
    });
    socket.on('close', (code) => {
      if (open) this.closeCodes.push(code);
    });
    const awaitingReply: (string | null)[] = [];
    const send = socket.send.bind(socket);
    socket.send = ((data: string) => {
      const frame = JSON.parse(data) as ClientFrame;
      const clientMsgId = frame.type === 'message' ? (frame.clientMsgId ?? null) : null;
      if (clientMsgId)
        this.transmissions.set(clientMsgId, (this.transmissions.get(clientMsgId) ?? 0) + 1);
      awaitingReply.push(clientMsgId);
      send(data);
    }) as WebSocket['send'];
    socket.on('message', (data) => {
      // The gateway sends text frames, which ws hands over as one Buffer.
      const frame = JSON.parse((data as Buffer).toString('utf8')) as ServerFrame;
      if (frame.type === 'message') this.received(frame.room, [frame.seq]);
      if (frame.type === 'joined')
        this.received(
          frame.room,
          frame.messages.map((message) => message.seq),
        );
      switch (frame.type) {
        case 'joined':
        case 'left':
        case 'ack':
        case 'pong':
          awaitingReply.shift();
          return;
        case 'error': {
          const clientMsgId = awaitingReply.shift();
          if (clientMsgId)
            this.refusals.set(clientMsgId, [...(this.refusals.get(clientMsgId) ?? []), frame.code]);
          return;
        }
        default:
          return;
      }
    });
  }

  private received(room: string, seqs: number[]): void {
    let seen = this.seqsReceived.get(room);
    if (!seen) this.seqsReceived.set(room, (seen = new Set()));
    for (const seq of seqs) seen.add(seq);
  }
}

/** An application on the SDK: it records every message delivered to it and every send it made. */
export class FleetClient {
  readonly sdk: SwitchboardClient;
  readonly wire = new WireTap();
  /** room → the messages delivered to the application (join replies and `message` events), in order. */
  readonly delivered = new Map<string, ChatMessage[]>();
  private sent = 0;

  constructor(
    readonly id: string,
    readonly gateway: number,
    readonly rooms: readonly string[],
    url: string,
    private readonly record: (send: SendRecord) => void,
  ) {
    for (const room of rooms) this.delivered.set(room, []);
    this.sdk = new SwitchboardClient({
      url,
      token: () => signTestToken(id),
      createSocket: (socketUrl) => {
        const socket = new WebSocket(socketUrl);
        this.wire.watch(socket);
        return socket as unknown as WebSocketLike;
      },
      reconnect: { initialDelayMs: 50, maxDelayMs: 1000 },
    });
    this.sdk.on('message', (message) => this.delivered.get(message.room)?.push(message));
  }

  async connect(): Promise<void> {
    await this.sdk.connect();
    for (const room of this.rooms) {
      const { messages } = await this.sdk.join(room);
      this.delivered.get(room)?.push(...(messages as ChatMessage[]));
    }
  }

  /** Sends the next message, to its rooms in turn. */
  sendNext(label: string): void {
    const room = this.rooms[this.sent % this.rooms.length];
    const send: SendRecord = {
      client: this,
      room,
      text: `${label}:${this.id}:${++this.sent}`,
      issuedAt: Date.now(),
      outcome: 'pending',
    };
    this.record(send);
    this.sdk.send(room, send.text).then(
      (ack) => {
        send.outcome = 'acked';
        send.ack = ack;
      },
      (error: unknown) => {
        send.outcome = 'refused';
        send.refusal = error instanceof SwitchboardError ? error.code : String(error);
      },
    );
  }

  describe(): string {
    return `${this.id} (gateway ${this.gateway})`;
  }
}

export interface FleetShape {
  clients: number;
  rooms: number;
  /** Each client sends one message every this many milliseconds. */
  sendIntervalMs: number;
}

/**
 * Many SDK clients spread over the gateways, each in two rooms whose members are on every gateway
 * (so every message crosses the bus), each sending at a steady rate while `sending`.
 */
export class ChatFleet {
  readonly sends: SendRecord[] = [];
  readonly clients: FleetClient[];
  readonly rooms: string[];
  private timers: ReturnType<typeof setInterval>[] = [];

  constructor(
    readonly label: string,
    gatewayUrls: readonly string[],
    private readonly shape: FleetShape,
  ) {
    this.rooms = Array.from({ length: shape.rooms }, (_, n) => `${label}-r${n}`);
    const membersPerRoom = Math.max(1, Math.floor(shape.clients / shape.rooms));
    this.clients = Array.from({ length: shape.clients }, (_, n) => {
      // A home room shared with its neighbours, and a second one shared with other clients' homes.
      const home = Math.floor(n / membersPerRoom) % shape.rooms;
      const other = (home + 1 + (n % membersPerRoom)) % shape.rooms;
      const gateway = n % gatewayUrls.length;
      return new FleetClient(
        `${label}-c${n}`,
        gateway,
        home === other ? [this.rooms[home]] : [this.rooms[home], this.rooms[other]],
        gatewayUrls[gateway],
        (send) => this.sends.push(send),
      );
    });
  }

  async connect(): Promise<void> {
    await Promise.all(this.clients.map((client) => client.connect()));
  }

  startSending(): void {
    for (const client of this.clients) {
      // Spread over the interval, so the load is steady rather than in bursts.
      const offset = Math.random() * this.shape.sendIntervalMs;
      const start = setTimeout(() => {
        client.sendNext(this.label);
        this.timers.push(setInterval(() => client.sendNext(this.label), this.shape.sendIntervalMs));
      }, offset);
      this.timers.push(start);
    }
  }

  stopSending(): void {
    for (const timer of this.timers.splice(0)) clearTimeout(timer);
  }

  acked(): number {
    return this.sends.filter((send) => send.outcome === 'acked').length;
  }

  pending(): SendRecord[] {
    return this.sends.filter((send) => send.outcome === 'pending');
  }

  allOpen(): boolean {
    return this.clients.every((client) => client.sdk.connectionState === 'open');
  }

  close(): void {
    this.stopSending();
    for (const client of this.clients) client.sdk.close();
  }
}
