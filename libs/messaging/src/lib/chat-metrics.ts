import { Injectable } from '@nestjs/common';
import { MetricsRegistry } from '@switchboard/observability';
import { Counter } from 'prom-client';

/** What the chat path counts, on the gateway and on the history service's HTTP sends alike. */
@Injectable()
export class ChatMetrics {
  readonly framesRejected: Counter<'code'>;
  readonly messagesStored: Counter;

  constructor({ registry }: MetricsRegistry) {
    this.framesRejected = new Counter({
      name: 'switchboard_frames_rejected_total',
      help: 'Client frames and HTTP sends refused, by error code',
      labelNames: ['code'] as const,
      registers: [registry],
    });
    this.messagesStored = new Counter({
      name: 'switchboard_messages_stored_total',
      help: 'Chat messages committed by this instance',
      registers: [registry],
    });
  }
}
