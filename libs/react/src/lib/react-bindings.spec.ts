import { SwitchboardClient, WebSocketLike } from '@switchboard/client';
import type { ClientFrame } from '@switchboard/protocol';
import {
  listen,
  signTestToken,
  TEST_SERVICE_API_KEY,
  testConfig,
  uniqueRoom,
} from '@switchboard/testing';
import { act, configure, render, renderHook, screen, waitFor } from '@testing-library/react';
import { randomBytes } from 'node:crypto';
import { createElement, ReactNode, StrictMode } from 'react';
import { createGatewayApp } from '../../../../apps/gateway/src/app/gateway-app.module';
import { createHistoryApp } from '../../../../apps/history/src/app/history-app.module';
import { createNotificationsApp } from '../../../../apps/notifications/src/app/notifications-app.module';
import { SwitchboardOptions, SwitchboardProvider } from './switchboard-provider';
import { useConnectionState } from './use-connection-state';
import { useDirectRoom } from './use-direct-room';
import { useNotifications } from './use-notifications';
import { useRoom } from './use-room';

type App = Awaited<ReturnType<typeof createGatewayApp>>;

// Waits on conditions over real connections: as long as the suite's other waits (waitFor's 1 s is for DOM updates).
configure({ asyncUtilTimeout: 10_000 });

// The React bindings in jsdom against the three real services, booted in this process.
describe('@switchboard/react against the real services', () => {
  const rateLimits = { RATE_LIMIT_PER_SECOND: '1000', RATE_LIMIT_BURST: '1000' };
  let apps: App[] = [];
  let urls: { gateway: string; history: string; notifications: string };
  const clients: SwitchboardClient[] = [];

  beforeAll(async () => {
    // Renders follow frames from real connections, at moments no act() can frame: every assertion
    // waits for its state instead, so React's act() warnings would only be noise.
    (globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = false;
    apps = await Promise.all([
      createGatewayApp(testConfig('gateway', rateLimits)),
      createHistoryApp(testConfig('history', rateLimits)),
      createNotificationsApp(testConfig('notifications')),
    ]);
    const [gateway, history, notifications] = await Promise.all(apps.map(listen));
    urls = { gateway: gateway.ws, history: history.http, notifications: notifications.http };
  });

  afterEach(() => {
    for (const client of clients.splice(0)) client.close();
  });

  afterAll(async () => {
    await Promise.all(apps.map((app) => app.close()));
  });

  const newUser = () => `user-${randomBytes(5).toString('hex')}`;

  /** Another user, outside React, on the SDK. */
  async function otherUser(userId = newUser()): Promise<SwitchboardClient> {
    const client = new SwitchboardClient({
      url: urls.gateway,
      token: () => signTestToken(userId),
    });
    clients.push(client);
    await client.connect();
    return client;
  }

  /**
   * Provider options for `userId` on jsdom's WebSocket, whose connection the test can cut (closed
   * under the client, as a dropped network would): `cut` holds the reconnection back (its token)
   * until `resume`. `frames` records what it sent.
   */
  function connection(userId: string) {
    const sockets: WebSocket[] = [];
    const frames: ClientFrame[] = [];
    let away: Promise<void> = Promise.resolve();
    let resume = () => undefined as void;
    let blocked = false;
    const options: SwitchboardOptions = {
      url: urls.gateway,
      historyUrl: urls.history,
      notificationsUrl: urls.notifications,
      token: async () => {
        await away;
        return signTestToken(userId);
      },
      createSocket: (url) => {
        // Blocked: the upgrade cannot happen (a port nothing listens on), as behind a proxy refusing it.
        const socket = new WebSocket(blocked ? 'ws://127.0.0.1:9/ws' : url);
        sockets.push(socket);
        const send = socket.send.bind(socket);
        socket.send = (data: string) => {
          frames.push(JSON.parse(data) as ClientFrame);
          send(data);
        };
        return socket as WebSocketLike;
      },
      reconnect: { initialDelayMs: 10, maxDelayMs: 50 },
    };
    const wrapper = ({ children }: { children: ReactNode }) =>
      createElement(SwitchboardProvider, { options }, children);
    const cut = () => {
      away = new Promise((resolve) => (resume = resolve));
      sockets.at(-1)!.close();
    };
    const block = (value: boolean) => {
      blocked = value;
      if (value) sockets.at(-1)!.close();
    };
    return { options, wrapper, frames, cut, resume: () => resume(), block };
  }

  async function publish(userId: string, title: string): Promise<string> {
    const response = await fetch(`${urls.notifications.replace(/\/$/, '')}/notifications`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Api-Key': TEST_SERVICE_API_KEY },
      body: JSON.stringify({ userIds: [userId], type: 'test', title, body: title, data: null }),
    });
    expect(response.status).toBe(202);
    return ((await response.json()) as { ids: string[] }).ids[0];
  }

  const texts = (messages: readonly { seq: number }[]) =>
    messages.map((message) => ('text' in message ? message.text : '(deleted)'));

  it('useRoom shows messages in seq order, each once, with members, typing, edits and deletes', async () => {
    const alice = newUser();
    const room = uniqueRoom();
    const { wrapper } = connection(alice);
    const { result } = renderHook(() => useRoom(room), { wrapper });
    await waitFor(() => expect(result.current.status).toBe('joined'));
    const { send, markRead } = result.current;

    const bob = await otherUser();
    await bob.join(room);
    await waitFor(() => expect(result.current.members).toHaveLength(2));
    await bob.typing(room);
    await waitFor(() => expect(result.current.typing.map((user) => user.id)).toHaveLength(1));

    const [one] = [await bob.send(room, 'one'), await bob.send(room, 'two')];
    await waitFor(() => expect(texts(result.current.messages)).toEqual(['one', 'two']));
    expect(result.current.typing).toEqual([]);

    let sent: Promise<unknown> = Promise.resolve();
    act(() => {
      sent = result.current.send('three');
    });
    expect(result.current.pending.map((pending) => pending.text)).toEqual(['three']);
    await act(() => sent);
    await waitFor(() => expect(texts(result.current.messages)).toEqual(['one', 'two', 'three']));
    expect(result.current.pending).toEqual([]);

    await bob.edit(room, one.id, 'one, edited');
    await waitFor(() =>
      expect(texts(result.current.messages)).toEqual(['one, edited', 'two', 'three']),
    );
    await bob.delete(room, one.id);
    await waitFor(() =>
      expect(texts(result.current.messages)).toEqual(['(deleted)', 'two', 'three']),
    );
    const seqs = result.current.messages.map((message) => message.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    // Actions keep their identity across updates, so effects may depend on them.
    expect(result.current.send).toBe(send);
    expect(result.current.markRead).toBe(markRead);
  });

  it('useRoom recovers what was sent while the connection was down: all of it, once, in order', async () => {
    const alice = newUser();
    const room = uniqueRoom();
    const { wrapper, cut, resume } = connection(alice);
    const { result } = renderHook(
      () => ({ room: useRoom(room), connection: useConnectionState() }),
      {
        wrapper,
      },
    );
    await waitFor(() => expect(result.current.room.status).toBe('joined'));
    const bob = await otherUser();
    await bob.join(room);
    await bob.send(room, 'before');
    await waitFor(() => expect(texts(result.current.room.messages)).toEqual(['before']));

    act(() => cut());
    await waitFor(() => expect(result.current.connection.state).toBe('reconnecting'));
    for (const text of ['away 1', 'away 2', 'away 3']) await bob.send(room, text);
    act(() => resume());
    await waitFor(() => expect(result.current.connection.state).toBe('open'));
    await bob.send(room, 'after');
    await waitFor(() =>
      expect(texts(result.current.room.messages)).toEqual([
        'before',
        'away 1',
        'away 2',
        'away 3',
        'after',
      ]),
    );
  });

  it('useRoom goes on over long polling while the WebSocket is blocked, and back: nothing lost or doubled', async () => {
    const alice = newUser();
    const room = uniqueRoom();
    const { wrapper, block } = connection(alice);
    const { result } = renderHook(
      () => ({ room: useRoom(room), connection: useConnectionState() }),
      { wrapper },
    );
    await waitFor(() => expect(result.current.room.status).toBe('joined'));
    expect(result.current.connection.transport).toBe('websocket');
    const bob = await otherUser();
    await bob.join(room);

    act(() => block(true));
    await waitFor(() => expect(result.current.connection.transport).toBe('polling'));
    await bob.send(room, 'while polling');
    await waitFor(() => expect(texts(result.current.room.messages)).toEqual(['while polling']));
    await act(async () => {
      await result.current.room.send('sent over HTTP');
    });

    act(() => block(false));
    await waitFor(() => expect(result.current.connection.transport).toBe('websocket'));
    await bob.send(room, 'back');
    await waitFor(() =>
      expect(texts(result.current.room.messages)).toEqual([
        'while polling',
        'sent over HTTP',
        'back',
      ]),
    );
    expect(result.current.room.pending).toEqual([]);
  });

  it('components using one room share one join; the room is left when the last one unmounts', async () => {
    const alice = newUser();
    const room = uniqueRoom();
    const { wrapper, frames } = connection(alice);
    function Member({ label }: { label: string }) {
      const { status, messages } = useRoom(room);
      return createElement('p', null, `${label}: ${status} ${messages.length}`);
    }
    const tree = (labels: string[]) =>
      createElement(
        'div',
        null,
        labels.map((label) => createElement(Member, { key: label, label })),
      );
    const view = render(tree(['a', 'b']), { wrapper });
    await waitFor(() => screen.getByText('a: joined 0'));
    screen.getByText('b: joined 0');
    const joins = () => frames.filter((frame) => frame.type === 'join').length;
    const leaves = () => frames.filter((frame) => frame.type === 'leave').length;
    expect(joins()).toBe(1);

    const bob = await otherUser();
    await bob.join(room);
    const left: string[] = [];
    bob.on('userLeft', (_room, user) => left.push(user.id));

    view.rerender(tree(['b']));
    // The release's leave would be scheduled by now (a task later): a task after it, none went out.
    await act(() => new Promise((resolve) => setTimeout(resolve, 0)));
    expect(leaves()).toBe(0);
    await bob.send(room, 'still here');
    await waitFor(() => screen.getByText('b: joined 1'));
    expect(screen.queryByText(/^a:/)).toBeNull();

    view.rerender(tree([]));
    await waitFor(() => expect(leaves()).toBe(1));
    await waitFor(() => expect(left).toEqual([alice]));
    expect(joins()).toBe(1);
  });

  it('under StrictMode (effects run, clean up and run again) a room is joined once and stays joined', async () => {
    const alice = newUser();
    const room = uniqueRoom();
    const { options, frames } = connection(alice);
    const { result } = renderHook(() => useRoom(room), {
      wrapper: ({ children }: { children: ReactNode }) =>
        createElement(StrictMode, null, createElement(SwitchboardProvider, { options }, children)),
    });
    await waitFor(() => expect(result.current.status).toBe('joined'));
    const bob = await otherUser();
    await bob.join(room);
    await bob.send(room, 'hello');
    await waitFor(() => expect(texts(result.current.messages)).toEqual(['hello']));
    expect(frames.filter((frame) => frame.type === 'join')).toHaveLength(1);
    expect(frames.filter((frame) => frame.type === 'leave')).toHaveLength(0);
  });

  it('loadOlder pages back through the history service until the first message', async () => {
    const alice = newUser();
    const room = uniqueRoom();
    const bob = await otherUser();
    await bob.join(room);
    for (let batch = 0; batch < 6; batch++)
      await Promise.all(
        Array.from({ length: 10 }, (_, index) => bob.send(room, `m${batch * 10 + index}`)),
      );
    const { wrapper } = connection(alice);
    const { result } = renderHook(() => useRoom(room), { wrapper });
    await waitFor(() => expect(result.current.status).toBe('joined'));
    expect(result.current.messages).toHaveLength(50);
    expect(result.current.messages[0].seq).toBe(11);
    expect(result.current.hasOlder).toBe(true);

    await act(() => result.current.loadOlder());
    expect(result.current.messages.map((message) => message.seq)).toEqual(
      Array.from({ length: 60 }, (_, index) => index + 1),
    );
    expect(result.current.hasOlder).toBe(false);
    expect(result.current.loadingOlder).toBe(false);
  });

  it('useRoom counts what others sent as unread until markRead, and learns reads from other devices', async () => {
    const alice = newUser();
    const room = uniqueRoom();
    const { wrapper } = connection(alice);
    const { result } = renderHook(() => useRoom(room), { wrapper });
    await waitFor(() => expect(result.current.status).toBe('joined'));
    const bob = await otherUser();
    await bob.join(room);
    await bob.send(room, 'one');
    await bob.send(room, 'two');
    await waitFor(() => expect(result.current.unread).toBe(2));

    await act(async () => {
      await result.current.send('mine');
    });
    expect(result.current.unread).toBe(2);
    await act(async () => {
      await result.current.markRead(result.current.messages[0].seq);
    });
    expect(result.current.lastReadSeq).toBe(result.current.messages[0].seq);
    expect(result.current.unread).toBe(1);

    // Alice reads everything on another device.
    const aliceElsewhere = await otherUser(alice);
    await aliceElsewhere.join(room);
    await aliceElsewhere.markRead(room, result.current.messages.at(-1)!.seq);
    await waitFor(() => expect(result.current.unread).toBe(0));
    expect(result.current.readBy[alice]).toBe(result.current.messages.at(-1)!.seq);
  });

  it('a room the user may not join fails with the refusal', async () => {
    const alice = newUser();
    const { wrapper } = connection(alice);
    const bob = await otherUser();
    const direct = await bob.joinDirect(newUser());
    const { result } = renderHook(() => useRoom(direct.room), { wrapper });
    await waitFor(() => expect(result.current.status).toBe('failed'));
    expect(result.current.error).toMatchObject({ code: 'forbidden' });
  });

  it('useDirectRoom opens the direct room with a user, the same one they see', async () => {
    const alice = newUser();
    const bobId = newUser();
    const bob = await otherUser(bobId);
    const { wrapper } = connection(alice);
    const { result } = renderHook(() => useDirectRoom(bobId), { wrapper });
    await waitFor(() => expect(result.current.status).toBe('joined'));
    expect(result.current.partner?.id).toBe(bobId);
    const fromBob = await bob.joinDirect(alice);
    expect(result.current.room).toBe(fromBob.room);
    await bob.send(fromBob.room, 'hi');
    await waitFor(() => expect(texts(result.current.messages)).toEqual(['hi']));
  });

  it('useNotifications shows the unread ones, then live ones, and markRead reaches the service', async () => {
    const alice = newUser();
    const earlier = [await publish(alice, 'one'), await publish(alice, 'two')];
    const { wrapper } = connection(alice);
    const { result } = renderHook(() => useNotifications(), { wrapper });
    await waitFor(() => expect(result.current.status).toBe('open'));
    expect(result.current.notifications.map((notification) => notification.id)).toEqual(
      [...earlier].reverse(),
    );
    expect(result.current.unread).toBe(2);

    const live = await publish(alice, 'three');
    await waitFor(() => expect(result.current.notifications[0]?.id).toBe(live));
    expect(result.current.notifications).toHaveLength(3);
    expect(result.current.unread).toBe(3);

    await act(async () => {
      await result.current.markRead();
    });
    expect(result.current).toMatchObject({ unread: 0, lastReadId: live });
    const response = await fetch(`${urls.notifications}/notifications/unread`, {
      headers: { Authorization: `Bearer ${signTestToken(alice)}` },
    });
    expect(await response.json()).toEqual({ unread: 0, lastReadId: live });
  });

  it('useConnectionState shows a refused token while the client retries, and clears it once open', async () => {
    const alice = newUser();
    let release = () => undefined as void;
    const retry = new Promise<void>((resolve) => (release = resolve));
    let calls = 0;
    const { result } = renderHook(() => useConnectionState(), {
      wrapper: ({ children }: { children: ReactNode }) =>
        createElement(
          SwitchboardProvider,
          {
            options: {
              url: urls.gateway,
              token: async () => {
                if (calls++ === 0) return 'not a token';
                await retry;
                return signTestToken(alice);
              },
              reconnect: { initialDelayMs: 10, maxDelayMs: 50 },
            },
          },
          children,
        ),
    });
    await waitFor(() => expect(result.current.error).toMatchObject({ code: 'unauthorized' }));
    expect(result.current.state).not.toBe('open');
    act(() => release());
    await waitFor(() => expect(result.current.state).toBe('open'));
    expect(result.current.error).toBeUndefined();
  });

  it('useConnectionState follows the connection, and a refused token is reported', async () => {
    const { result } = renderHook(() => useConnectionState(), {
      wrapper: ({ children }: { children: ReactNode }) =>
        createElement(
          SwitchboardProvider,
          {
            options: {
              url: urls.gateway,
              token: () =>
                signTestToken(newUser(), 'x', { secret: 'not-the-secret-0123456789abcdef' }),
              reconnect: { initialDelayMs: 10, maxDelayMs: 50 },
            },
          },
          children,
        ),
    });
    expect(result.current.state).toBe('connecting');
    await waitFor(() => expect(result.current.state).toBe('closed'));
    expect(result.current.error).toMatchObject({ code: 'unauthorized' });
  });
});
