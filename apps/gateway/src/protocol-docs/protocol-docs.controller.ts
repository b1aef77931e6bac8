import { Controller, Get, Req } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { asyncApiDocument, withServer } from '@switchboard/protocol';
import type { Request } from 'express';

/**
 * `GET /asyncapi.json`: the AsyncAPI 3.0 document of the WebSocket protocol, served always (like
 * `/health`, whatever API_DOCS says): it describes the public protocol and holds nothing secret.
 */
@ApiTags('protocol')
@Controller('asyncapi.json')
export class ProtocolDocsController {
  // Generated once: the schemas do not change while the process runs.
  private readonly document = asyncApiDocument();

  /** The document, its server the gateway as the request reached it. */
  @Get()
  @ApiOperation({ summary: 'The AsyncAPI 3.0 document of the WebSocket protocol' })
  @ApiOkResponse({ description: 'an AsyncAPI 3.0 document (JSON)' })
  describe(@Req() request: Request): Record<string, unknown> {
    return withServer(this.document, {
      host: request.headers.host ?? 'localhost',
      protocol: request.secure ? 'wss' : 'ws',
    });
  }
}
