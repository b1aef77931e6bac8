import { INestApplication } from '@nestjs/common';
import { NotificationStore } from '@switchboard/persistence';
import { Notification } from '@switchboard/protocol';
import { directRoomOf } from '@switchboard/room-access';
import { listen, signTestToken, testConfig, uniqueRoom, waitFor } from '@switchboard/testing';
import { createHistoryApp } from '../app/history-app.module';

// An HTTP send is a send like a WebSocket one: an offline member of a direct room is notified.
describe('offline delivery of messages sent over HTTP', () => {
  let app: INestApplication;
  let base: string;
  let notifications: NotificationStore;

  const bearer = (userId: string) => ({ Authorization: `Bearer ${signTestToken(userId)}` });

  beforeAll(async () => {
    app = await createHistoryApp(testConfig('history'), {}, { shutdownHooks: false });
    base = (await listen(app)).http;
    notifications = app.get(NotificationStore);
  });

  afterAll(async () => {
    await app.close();
  });

  it('stores a message notification for the offline partner, none for the sender', async () => {
    const [ann, ben] = [uniqueRoom('ann'), uniqueRoom('ben')];
    const opened = await fetch(`${base}/direct/${ben}`, { method: 'PUT', headers: bearer(ann) });
    expect(opened.status).toBe(201);
    const { room } = directRoomOf(ann, ben);
    const sent = await fetch(`${base}/rooms/${room}/messages`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...bearer(ann) },
      body: JSON.stringify({ text: 'over HTTP' }),
    });
    expect(sent.status).toBe(201);
    const message = (await sent.json()) as { id: string; seq: number };

    let received: Notification[] = [];
    await waitFor(async () => {
      received = await notifications.listAfter(ben, '0', 10);
      return received.length > 0;
    }, 'ben notified');
    expect(received).toEqual([
      expect.objectContaining({
        type: 'message',
        data: {
          room,
          seq: message.seq,
          id: message.id,
          from: { id: ann, name: ann },
          preview: 'over HTTP',
        },
      }),
    ]);
    expect(await notifications.listAfter(ann, '0', 10)).toEqual([]);
  });
});
