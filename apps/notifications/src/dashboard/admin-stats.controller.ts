import { Controller, Get, Res, UseGuards } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiForbiddenResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiSecurity,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { openApiSchema } from '@switchboard/http';
import { httpErrorSchema } from '@switchboard/protocol';
import type { Response } from 'express';
import { AdminAccessGuard } from './admin-access.guard';
import { LiveStatsBoard } from './live-stats-board';

const errorBody = openApiSchema(httpErrorSchema);

/** The live dashboard's feed: every instance's figures, every second. */
@ApiTags('admin')
@ApiSecurity('service-key')
@ApiBearerAuth()
@Controller('admin/stats')
@UseGuards(AdminAccessGuard)
export class AdminStatsController {
  constructor(private readonly board: LiveStatsBoard) {}

  @Get('stream')
  @ApiOperation({
    summary: 'Every instance’s live stats as server-sent events, every second',
    description:
      'A `retry:` line, then `event: stats` with `data: {"instances": [...]}` at once and every second. ' +
      'Each instance: instanceId, service (gateway or notifications), ts, windowMs, connections, sseStreams, ' +
      'messagesPerSecond, deliveriesPerSecond, broadcastLatencyMs {p50, p95, p99} (null without broadcasts). ' +
      'An instance silent for 3 s leaves the list. Authenticated by `X-Api-Key` (SERVICE_API_KEY) or a token ' +
      'with the claim `admin: true` (header, or the `access_token` query parameter for EventSource).',
  })
  @ApiProduces('text/event-stream')
  @ApiOkResponse({ description: 'text/event-stream' })
  @ApiUnauthorizedResponse({
    description: 'no credentials, a wrong X-Api-Key, or an invalid or expired token',
    schema: errorBody,
  })
  @ApiForbiddenResponse({ description: 'a valid token without `admin: true`', schema: errorBody })
  stream(@Res() response: Response): void {
    this.board.open(response);
  }
}
