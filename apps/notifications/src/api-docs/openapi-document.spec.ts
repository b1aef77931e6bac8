import { INestApplication } from '@nestjs/common';
import { listen, openApiProblems, testConfig } from '@switchboard/testing';
import { createNotificationsApp } from '../app/notifications-app.module';

type Operation = { requestBody?: unknown; responses: Record<string, unknown> };
interface ApiDocument {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown> };
}

const named = (id: string) => ({
  content: { 'application/json': { schema: { $ref: `#/components/schemas/${id}` } } },
});

describe("the notifications service's OpenAPI document", () => {
  let app: INestApplication;
  let document: ApiDocument;

  beforeAll(async () => {
    app = await createNotificationsApp(testConfig('notifications'), {}, { shutdownHooks: false });
    const { http } = await listen(app);
    document = (await (await fetch(`${http}/docs-json`)).json()) as ApiDocument;
  });

  afterAll(() => app.close());

  it('has named schemas only, 413 on every body operation, every error and $ref documented', () => {
    expect(openApiProblems(document as unknown as Record<string, unknown>)).toEqual([]);
  });

  it('refers to the protocol schemas by name, for bodies, answers and errors', () => {
    const publish = document.paths['/notifications'].post;
    expect(publish.requestBody).toMatchObject(named('PublishNotificationsBody'));
    expect(publish.responses['202']).toMatchObject(named('PublishNotificationsResponse'));
    for (const status of ['400', '401', '413', '415', '500']) {
      expect({ status, response: publish.responses[status] }).toMatchObject({
        status,
        response: named('HttpError'),
      });
    }
    expect(document.paths['/notifications'].get.responses['200']).toMatchObject(
      named('NotificationPage'),
    );
    expect(Object.keys(document.components.schemas)).toEqual(
      expect.arrayContaining(['Notification', 'NotificationPage', 'HttpError']),
    );
  });
});
