import { INestApplication } from '@nestjs/common';
import {
  listen,
  namedJsonContent,
  OpenApiDocument,
  openApiProblems,
  testConfig,
} from '@switchboard/testing';
import { createNotificationsApp } from '../app/notifications-app.module';

describe("the notifications service's OpenAPI document", () => {
  let app: INestApplication;
  let document: OpenApiDocument;

  beforeAll(async () => {
    app = await createNotificationsApp(testConfig('notifications'), {}, { shutdownHooks: false });
    const { http } = await listen(app);
    document = (await (await fetch(`${http}/docs-json`)).json()) as OpenApiDocument;
  });

  afterAll(() => app.close());

  it('has named schemas only, 413 on every body operation, every error and $ref documented', () => {
    expect(openApiProblems(document as unknown as Record<string, unknown>)).toEqual([]);
  });

  it('refers to the protocol schemas by name, for bodies, answers and errors', () => {
    const publish = document.paths['/notifications'].post;
    expect(publish.requestBody).toMatchObject(namedJsonContent('PublishNotificationsBody'));
    expect(publish.responses['202']).toMatchObject(
      namedJsonContent('PublishNotificationsResponse'),
    );
    for (const status of ['400', '401', '413', '415', '500']) {
      expect({ status, response: publish.responses[status] }).toMatchObject({
        status,
        response: namedJsonContent('HttpError'),
      });
    }
    expect(document.paths['/notifications'].get.responses['200']).toMatchObject(
      namedJsonContent('NotificationPage'),
    );
    expect(Object.keys(document.components.schemas)).toEqual(
      expect.arrayContaining(['Notification', 'NotificationPage', 'HttpError']),
    );
  });
});
