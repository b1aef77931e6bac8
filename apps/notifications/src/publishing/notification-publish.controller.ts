import {
  Body,
  Controller,
  HttpCode,
  HttpException,
  HttpStatus,
  Post,
  UseGuards,
} from '@nestjs/common';
import { ServiceApiKeyGuard } from '@switchboard/auth';
import { MessageBus } from '@switchboard/bus';
import { NotificationStore } from '@switchboard/persistence';
import { publishNotificationsBody } from '@switchboard/protocol';
import { SwitchboardMetrics } from '@switchboard/runtime';

/** The server-to-server publish API: store per user, then deliver to their open streams on every instance. */
@Controller('notifications')
@UseGuards(ServiceApiKeyGuard)
export class NotificationPublishController {
  constructor(
    private readonly store: NotificationStore,
    private readonly bus: MessageBus,
    private readonly metrics: SwitchboardMetrics,
  ) {}

  @Post()
  @HttpCode(HttpStatus.ACCEPTED)
  async publish(
    @Body() body: unknown,
  ): Promise<{ ids: string[]; notifications: { id: string; userId: string }[] }> {
    const parsed = publishNotificationsBody.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new HttpException(
        {
          statusCode: 400,
          code: 'invalid_body',
          message: `${issue.path.join('.') || 'body'}: ${issue.message}`,
        },
        HttpStatus.BAD_REQUEST,
      );
    }
    const { userIds, ...content } = parsed.data;
    const notifications = await this.store.publish(userIds, content);
    this.metrics.notificationsStored.inc(notifications.length);
    // Stored is delivered: a stream that misses this live gets it on resume, so a bus failure is not the caller's.
    await this.bus.publish('notifications', '', { notifications }).catch(() => undefined);
    return {
      ids: notifications.map(({ id }) => id),
      notifications: notifications.map(({ id, userId }) => ({ id, userId })),
    };
  }
}
