import { INestApplication } from '@nestjs/common';
import { listen, testConfig } from '@switchboard/testing';

// Loading @nestjs/swagger was ~13 % of a gateway's start-up CPU, which a restarted gateway's
// reconnecting clients wait for; with API docs off (the production default) it is not needed.
describe('loading @nestjs/swagger at start', () => {
  const apps: INestApplication[] = [];
  const loaded = jest.fn();

  beforeAll(() => {
    jest.doMock('@nestjs/swagger', () => {
      loaded();
      return jest.requireActual<object>('@nestjs/swagger');
    });
  });

  afterAll(() => Promise.all(apps.map((app) => app.close())));

  async function start(apiDocs: 'on' | 'off'): Promise<string> {
    const { createGatewayApp } = await import('./gateway-app.module');
    const app = await createGatewayApp(
      testConfig('gateway', { API_DOCS: apiDocs }),
      {},
      { shutdownHooks: false },
    );
    apps.push(app);
    return (await listen(app)).http;
  }

  it('does not happen with API docs off', async () => {
    const base = await start('off');
    expect((await fetch(`${base}/health/ready`)).status).toBe(200);
    expect(loaded).not.toHaveBeenCalled();
  });

  it('happens with API docs on, which describe health as terminus does', async () => {
    const base = await start('on');
    const document = (await (await fetch(`${base}/docs-json`)).json()) as {
      paths: Record<string, { get: { responses: Record<string, { description: string }> } }>;
    };
    expect(loaded).toHaveBeenCalled();
    for (const path of ['/health/live', '/health/ready']) {
      expect(document.paths[path].get.responses).toMatchObject({
        200: { description: 'The Health Check is successful' },
        503: { description: 'The Health Check is not successful' },
      });
    }
  });
});
