import { Body, Controller, Get, INestApplication, Param, Post, Query } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  ApiBearerAuth,
  ApiBody,
  ApiForbiddenResponse,
  ApiOkResponse,
  ApiProduces,
  ApiQuery,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
  DocumentBuilder,
  OpenAPIObject,
  SwaggerModule,
} from '@nestjs/swagger';
import { chatMessageSchema, httpErrorSchema, sendMessageBody } from '@switchboard/protocol';
import { openApiProblems } from '@switchboard/testing';
import { completeApiDocument, openApiSchema } from './api-docs';

const HEALTH_ANSWER = { type: 'object', properties: { status: { type: 'string' } } };

@Controller('rooms/:room/messages')
@ApiBearerAuth()
class MessagesController {
  @Post()
  @ApiBody({ schema: openApiSchema(sendMessageBody) })
  @ApiOkResponse({ schema: openApiSchema(chatMessageSchema) })
  @ApiForbiddenResponse({ description: 'not your room', schema: openApiSchema(httpErrorSchema) })
  @ApiTooManyRequestsResponse({ description: 'slow down', schema: openApiSchema(httpErrorSchema) })
  send(@Param('room') room: string, @Body() body: unknown): unknown {
    return { room, body };
  }

  @Get()
  @ApiQuery({ name: 'after', required: false })
  page(@Query('after') after: unknown): unknown {
    return after;
  }
}

@Controller('health')
class HealthController {
  @Get('live')
  @ApiOkResponse({ schema: HEALTH_ANSWER })
  live(): unknown {
    return {};
  }

  @Get('ready')
  @ApiOkResponse({ schema: HEALTH_ANSWER })
  ready(): unknown {
    return {};
  }
}

@Controller('stream')
class StreamController {
  @Get()
  @ApiProduces('text/event-stream')
  @ApiOkResponse({ description: 'server-sent events' })
  @ApiUnauthorizedResponse({ description: 'no token' })
  stream(): string {
    return ': nothing yet\n\n';
  }
}

class DocsModule {}

describe('completeApiDocument', () => {
  let app: INestApplication;
  let document: OpenAPIObject;

  beforeAll(async () => {
    app = await NestFactory.create(
      { module: DocsModule, controllers: [MessagesController, HealthController, StreamController] },
      { logger: false },
    );
    document = completeApiDocument(
      SwaggerModule.createDocument(
        app,
        new DocumentBuilder().addBearerAuth({ type: 'http', scheme: 'bearer' }).build(),
      ),
    );
  });

  afterAll(() => app.close());

  it('documents the errors every operation of its kind can answer, keeping what the controller said', () => {
    const send = document.paths['/rooms/{room}/messages'].post!;
    expect(Object.keys(send.responses).sort()).toEqual(
      ['200', '400', '401', '403', '413', '415', '429', '500'].sort(),
    );
    expect(send.responses['403']).toMatchObject({ description: 'not your room' });
    expect(send.responses['413']).toEqual({
      description: expect.stringContaining('too_large') as string,
      content: { 'application/json': { schema: { $ref: '#/components/schemas/HttpError' } } },
    });
    // A parameter can be wrong and a token missing, but there is no body to be too large.
    const page = document.paths['/rooms/{room}/messages'].get!;
    expect(Object.keys(page.responses).sort()).toEqual(['200', '400', '401', '500']);
    // No parameter, no body, no credentials: only a failure of the server.
    expect(Object.keys(document.paths['/health/live'].get!.responses).sort()).toEqual([
      '200',
      '500',
    ]);
  });

  it('gives every error the JSON error body, also on an operation whose success is another media type', () => {
    expect(document.paths['/stream'].get!.responses['401']).toEqual({
      description: 'no token',
      content: { 'application/json': { schema: { $ref: '#/components/schemas/HttpError' } } },
    });
  });

  it('refers to protocol schemas by their names and adds them, and what they use, as components', () => {
    const send = document.paths['/rooms/{room}/messages'].post!;
    expect(send.requestBody).toMatchObject({
      content: { 'application/json': { schema: { $ref: '#/components/schemas/SendMessageBody' } } },
    });
    expect(Object.keys(document.components?.schemas ?? {})).toEqual(
      expect.arrayContaining(['ChatMessage', 'UserRef', 'SendMessageBody', 'HttpError']),
    );
    expect(document.components?.schemas?.ChatMessage).toMatchObject({
      properties: { user: { $ref: '#/components/schemas/UserRef' } },
    });
    // A named schema this document does not use stays out.
    expect(document.components?.schemas).not.toHaveProperty('MessagePage');
  });

  it('names the inline object schemas of other libraries once, shared where they are the same', () => {
    expect(document.paths['/health/ready'].get!.responses['200']).toMatchObject({
      content: { 'application/json': { schema: { $ref: '#/components/schemas/HealthLive200' } } },
    });
    expect(document.components?.schemas?.HealthLive200).toEqual(HEALTH_ANSWER);
  });

  it('leaves no inline body or answer, no body without 413 and no dangling $ref', () => {
    expect(openApiProblems(document as unknown as Record<string, unknown>)).toEqual([]);
  });
});
