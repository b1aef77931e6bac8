import { HttpStatus, Injectable, mixin, PipeTransform, Type } from '@nestjs/common';
import { apiError } from '@switchboard/http';
import { ChatMetrics } from '@switchboard/messaging';
import type { FrameRejection } from '@switchboard/protocol';

type BodyValidation<B> = (
  value: unknown,
) => { ok: true; body: B } | { ok: false; error: FrameRejection };

/**
 * A send or edit body checked by the protocol's rules for the frame it stands for, so HTTP and the
 * WebSocket refuse the same things with the same codes (`invalid_message`, `too_long`), and count
 * them in the same metric.
 */
export function MessageBodyPipe<B>(validate: BodyValidation<B>): Type<PipeTransform<unknown, B>> {
  @Injectable()
  class ValidMessageBody implements PipeTransform<unknown, B> {
    constructor(private readonly metrics: ChatMetrics) {}

    transform(value: unknown): B {
      const parsed = validate(value);
      if (parsed.ok) return parsed.body;
      this.metrics.framesRejected.inc({ code: parsed.error.code });
      throw apiError(HttpStatus.BAD_REQUEST, parsed.error);
    }
  }
  return mixin(ValidMessageBody);
}
