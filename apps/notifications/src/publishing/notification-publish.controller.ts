import { Body, Controller, HttpCode, HttpStatus, Logger, Post, UseGuards } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiBody,
  ApiOperation,
  ApiSecurity,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { ServiceApiKeyGuard } from '@switchboard/auth';
import { MessageBus } from '@switchboard/bus';
import { NotificationStore } from '@switchboard/persistence';
import {
  httpErrorSchema,
  publishNotificationsBody,
  publishNotificationsResponseSchema,
  validatePublishNotificationsBody,
} from '@switchboard/protocol';
import { apiError, openApiSchema } from '@switchboard/http';
import { NotificationMetrics } from '../metrics/notification-metrics';

/** The server-to-server publish API: store per user, then deliver to their open streams on every instance. */
@ApiTags('publishing')
@ApiSecurity('service-key')
@Controller('notifications')
@UseGuards(ServiceApiKeyGuard)
export class NotificationPublishController {
  private readonly logger = new Logger(NotificationPublishController.name);

  constructor(
    private readonly store: NotificationStore,
    private readonly bus: MessageBus,
    private readonly metrics: NotificationMetrics,
  ) {}

  @Post()
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({
    summary:
      'Store a notification for each user and deliver it to their open streams (server to server)',
  })
  @ApiBody({ schema: openApiSchema(publishNotificationsBody) })
  @ApiAcceptedResponse({
    description: 'stored; ids in the order of the (deduplicated) recipients',
    schema: openApiSchema(publishNotificationsResponseSchema),
  })
  @ApiUnauthorizedResponse({
    description: 'a missing or wrong X-Api-Key',
    schema: openApiSchema(httpErrorSchema),
  })
  @ApiBadRequestResponse({
    description: 'invalid_json or invalid_body',
    schema: openApiSchema(httpErrorSchema),
  })
  async publish(
    @Body() body: unknown,
  ): Promise<{ ids: string[]; notifications: { id: string; userId: string }[] }> {
    const parsed = validatePublishNotificationsBody(body);
    if (!parsed.ok) throw apiError(HttpStatus.BAD_REQUEST, parsed.error);
    const { userIds, ...content } = parsed.body;
    const published = await this.store.publish(userIds, content);
    const { recipients } = published;
    this.metrics.notificationsStored.inc(recipients.length);
    try {
      await this.bus.publish('notifications', '', published);
    } catch (error) {
      // Stored is delivered: a stream that misses this live gets it on resume, so the caller still gets 202.
      this.logger.error(
        `fan-out of ${recipients.length} notifications failed: ${(error as Error).message}`,
      );
    }
    return { ids: recipients.map(({ id }) => id), notifications: recipients };
  }
}
