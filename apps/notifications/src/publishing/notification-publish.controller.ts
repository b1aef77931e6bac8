import {
  Body,
  Controller,
  HttpCode,
  HttpException,
  HttpStatus,
  Post,
  UseGuards,
} from '@nestjs/common';
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
} from '@switchboard/protocol';
import { openApiSchema, SwitchboardMetrics } from '@switchboard/runtime';

/** The server-to-server publish API: store per user, then deliver to their open streams on every instance. */
@ApiTags('publishing')
@ApiSecurity('service-key')
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
