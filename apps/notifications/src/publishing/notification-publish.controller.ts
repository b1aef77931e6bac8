import { Body, Controller, HttpCode, HttpStatus, Post, UseGuards } from '@nestjs/common';
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
import { NotificationPublisher } from '@switchboard/messaging';
import {
  httpErrorSchema,
  publishNotificationsBody,
  PublishNotificationsBody,
  publishNotificationsResponseSchema,
} from '@switchboard/protocol';
import { openApiSchema, ZodBodyPipe } from '@switchboard/http';
import { NotificationMetrics } from '../metrics/notification-metrics';

/** The server-to-server publish API: store per user, then deliver to their open streams on every instance. */
@ApiTags('publishing')
@ApiSecurity('service-key')
@Controller('notifications')
@UseGuards(ServiceApiKeyGuard)
export class NotificationPublishController {
  constructor(
    private readonly publisher: NotificationPublisher,
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
    @Body(new ZodBodyPipe(publishNotificationsBody)) body: PublishNotificationsBody,
  ): Promise<{ ids: string[]; notifications: { id: string; userId: string }[] }> {
    const { userIds, ...content } = body;
    // Stored is delivered: a stream that misses this live gets it on resume, so the caller gets 202.
    const { recipients } = await this.publisher.publish(userIds, content);
    this.metrics.notificationsStored.inc(recipients.length);
    return { ids: recipients.map(({ id }) => id), notifications: recipients };
  }
}
