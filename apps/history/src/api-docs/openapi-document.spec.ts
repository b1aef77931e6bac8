import { INestApplication } from '@nestjs/common';
import {
  listen,
  namedJsonContent,
  OpenApiDocument,
  openApiProblems,
  testConfig,
} from '@switchboard/testing';
import { createHistoryApp } from '../app/history-app.module';

describe("the history service's OpenAPI document", () => {
  let app: INestApplication;
  let document: OpenApiDocument;

  beforeAll(async () => {
    app = await createHistoryApp(testConfig('history'), {}, { shutdownHooks: false });
    const { http } = await listen(app);
    document = (await (await fetch(`${http}/docs-json`)).json()) as OpenApiDocument;
  });

  afterAll(() => app.close());

  it('has named schemas only, 413 on every body operation, every error and $ref documented', () => {
    expect(openApiProblems(document as unknown as Record<string, unknown>)).toEqual([]);
  });

  it('refers to the protocol schemas by name, for bodies, answers and errors', () => {
    const send = document.paths['/rooms/{room}/messages'].post;
    expect(send.requestBody).toMatchObject(namedJsonContent('SendMessageBody'));
    expect(send.responses['201']).toMatchObject(namedJsonContent('ChatMessage'));
    for (const status of ['400', '401', '403', '413', '415', '429', '500']) {
      expect({ status, response: send.responses[status] }).toMatchObject({
        status,
        response: namedJsonContent('HttpError'),
      });
    }
    expect(document.paths['/rooms/{room}/messages'].get.responses['200']).toMatchObject(
      namedJsonContent('MessagePage'),
    );
    expect(document.paths['/rooms/{room}'].put.requestBody).toMatchObject(
      namedJsonContent('PutRoomBody'),
    );
    expect(document.paths['/me/rooms'].get.responses['200']).toMatchObject(
      namedJsonContent('InboxResponse'),
    );
    expect(Object.keys(document.components.schemas)).toEqual(
      expect.arrayContaining(['ChatMessage', 'DeletedMessage', 'UserRef', 'RoomInfo', 'HttpError']),
    );
  });

  it('documents 413 and 415 on operations with a body only, and 401 on those that need credentials', () => {
    const put = document.paths['/rooms/{room}/read'].put;
    expect(Object.keys(put.responses)).toEqual(
      expect.arrayContaining(['200', '400', '401', '403', '413', '415', '500']),
    );
    const inbox = document.paths['/me/rooms'].get;
    expect(Object.keys(inbox.responses).sort()).toEqual(['200', '401', '500']);
  });
});
