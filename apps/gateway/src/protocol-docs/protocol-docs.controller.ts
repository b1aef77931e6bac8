import { Controller, Get, Req } from '@nestjs/common';
import type * as Swagger from '@nestjs/swagger';
import { asyncApiDocument, withServer } from '@switchboard/protocol';
import type { Request } from 'express';

/**
 * `GET /asyncapi.json`: the AsyncAPI 3.0 document of the WebSocket protocol, served always (like
 * `/health`, whatever API_DOCS says): it describes the public protocol and holds nothing secret.
 */
@Controller('asyncapi.json')
export class ProtocolDocsController {
  // Generated on the first request rather than at start, where a restarted gateway's clients wait,
  // then kept: the schemas do not change while the process runs.
  private document: Record<string, unknown> | undefined;

  /** The document, its server the gateway as the request reached it. */
  @Get()
  describe(@Req() request: Request): Record<string, unknown> {
    this.document ??= asyncApiDocument();
    return withServer(this.document, {
      host: request.headers.host ?? 'localhost',
      protocol: request.secure ? 'wss' : 'ws',
    });
  }
}

/**
 * The controller's OpenAPI description, applied when the docs are served (`serveApiDocs`' `describe`)
 * rather than by decorators, so that the gateway does not load `@nestjs/swagger` with docs off. Each
 * decorator merges its object, so applying them again (another app in the process) changes nothing.
 */
export function describeProtocolDocs({ ApiOkResponse, ApiOperation }: typeof Swagger): void {
  const prototype = ProtocolDocsController.prototype;
  const method: PropertyDescriptor = { value: Reflect.get(prototype, 'describe') };
  ApiOperation({
    summary: 'The AsyncAPI 3.0 document of the WebSocket protocol',
    tags: ['protocol'],
  })(prototype, 'describe', method);
  ApiOkResponse({ description: 'an AsyncAPI 3.0 document (JSON)' })(prototype, 'describe', method);
}
