import { INestApplication } from '@nestjs/common';
import { CapturedLogs, listen, signTestToken, testConfig, uniqueRoom } from '@switchboard/testing';
import { DataSource } from 'typeorm';
import { createHistoryApp } from '../app/history-app.module';

// What the history service logs, whatever LOG_LEVEL says: every Nest logger of this file's app goes to `logs`.
describe('history logs', () => {
  const logs = new CapturedLogs();
  let app: INestApplication;
  let base: string;

  beforeAll(async () => {
    app = await createHistoryApp(
      testConfig('history', { RATE_LIMIT_BURST: '1000' }),
      {},
      { shutdownHooks: false },
    );
    app.useLogger(logs);
    base = (await listen(app)).http;
  });

  afterAll(async () => {
    await app.close();
  });

  it('logs one stack for many requests failed by a database outage, not one per request', async () => {
    await app.get(DataSource).destroy();
    const room = uniqueRoom();
    const statuses: number[] = [];
    const codes: unknown[] = [];
    for (let n = 0; n < 20; n++) {
      const response = await fetch(`${base}/rooms/${room}/messages`, {
        method: 'POST',
        headers: {
          Authorization: `Bearer ${signTestToken('outage')}`,
          'Content-Type': 'application/json',
        },
        body: JSON.stringify({ text: `m${n}` }),
      });
      statuses.push(response.status);
      codes.push(((await response.json()) as { code: unknown }).code);
    }

    expect(statuses).toEqual(Array(20).fill(500));
    expect(codes).toEqual(Array(20).fill('internal_error'));
    // One stack; any other error line is a count of repeats (one per 10 s, were this run that slow).
    expect(logs.withStack()).toEqual([
      { level: 'error', text: expect.stringMatching(/^internal_error: /) },
    ]);
    expect(logs.errors().filter((entry) => !/ more in the last /.test(entry.text))).toHaveLength(1);
  });
});
