import type { Browser, BrowserContext, Page } from 'playwright-core';
import {
  launchChromium,
  messageTexts,
  openRoom,
  roomJoined,
  screenshot,
  sendMessage,
  signedInPage,
  until,
} from './browser';
import { StandaloneProcess, startStandalone, StandaloneUrls } from './standalone-process';

/**
 * The demo app in real Chromium against `npm start`: two people chat, one goes offline and comes
 * back to every message once and in order, markup in a message stays text, a notification published
 * through the API rings the bell, and the dashboard counts a page that opens.
 */
describe('the demo app in Chromium', () => {
  let standalone: StandaloneProcess;
  let urls: StandaloneUrls;
  const room = `browser-${Date.now().toString(36)}`;
  let browser: Browser;
  let alice: { context: BrowserContext; page: Page };
  let bob: { context: BrowserContext; page: Page };

  beforeAll(async () => {
    standalone = await startStandalone();
    urls = standalone.urls;
    browser = await launchChromium();
    alice = await signedInPage(browser, urls.webUrl, 'alice', 'Alice');
    bob = await signedInPage(browser, urls.webUrl, 'bob', 'Bob');
    await openRoom(alice.page, room);
    await openRoom(bob.page, room);
    await openRoom(alice.page, room);
  });

  afterAll(async () => {
    await browser?.close();
    await standalone?.stop();
  });

  it('two people chat: a message sent by one appears for both, and the members list both', async () => {
    await sendMessage(alice.page, 'hello from Alice');
    await until(() => messageTexts(bob.page), ['hello from Alice'], "Bob's messages");
    await until(() => messageTexts(alice.page), ['hello from Alice'], "Alice's messages");
    const members = bob.page.getByTestId('members').getByRole('listitem');
    await until(async () => (await members.allTextContents()).sort(), ['Alice', 'Bob'], 'members');
    await screenshot(alice.page, '01-alice-sent');
    await screenshot(bob.page, '01-bob-received');
  });

  it('one goes offline, the other sends three messages; back online, all three show once, in order', async () => {
    await bob.context.setOffline(true);
    // The app drops its socket when the browser reports the network gone.
    await bob.page.getByTestId('connection-state').filter({ hasNotText: 'open' }).waitFor();
    for (const text of ['one', 'two', 'three']) await sendMessage(alice.page, text);
    const all = ['hello from Alice', 'one', 'two', 'three'];
    await until(() => messageTexts(alice.page), all, "Alice's messages");
    expect(await messageTexts(bob.page)).toEqual(['hello from Alice']);
    await screenshot(bob.page, '02-bob-offline');

    await bob.context.setOffline(false);
    await bob.page.getByTestId('connection-state').filter({ hasText: 'open' }).waitFor();
    await until(() => messageTexts(bob.page), all, "Bob's messages after reconnecting");
    await screenshot(bob.page, '03-bob-back-online');
  });

  it('shows markup in a message as text: nothing is parsed, nothing runs', async () => {
    const markup = '<img src=x onerror="document.title=\'pwned\'"> <b>bold?</b>';
    await sendMessage(alice.page, markup);
    await until(async () => (await messageTexts(bob.page)).at(-1), markup, "Bob's last message");
    const messages = bob.page.getByTestId('messages');
    expect(await messages.locator('img').count()).toBe(0);
    expect(await messages.locator('b').count()).toBe(0);
    expect(await bob.page.title()).toBe('Switchboard');
    await screenshot(bob.page, '04-markup-as-text');
  });

  it('shows who is typing, and a direct message reaches the other user through their room list', async () => {
    await alice.page.getByLabel('Message', { exact: true }).pressSequentially('typing…');
    await bob.page.getByTestId('typing').filter({ hasText: 'Alice is typing…' }).waitFor();
    await screenshot(bob.page, '05-typing');
    await alice.page.getByLabel('Message', { exact: true }).fill('');

    await alice.page.getByLabel('Direct message user').fill('bob');
    await alice.page.getByRole('button', { name: 'Message', exact: true }).click();
    await roomJoined(alice.page, '@ Bob');
    await sendMessage(alice.page, 'psst, Bob');
    // Bob is in another room: the direct room appears in his list with its unread count.
    const entry = bob.page.getByRole('navigation', { name: 'Rooms' }).getByRole('button', {
      name: /@ Alice/,
    });
    await entry.getByLabel('1 unread').waitFor();
    await screenshot(bob.page, '06-direct-message-unread');
    await entry.click();
    await until(() => messageTexts(bob.page), ['psst, Bob'], "Bob's direct room");
    await openRoom(bob.page, room);
    await openRoom(alice.page, room);
  });

  it('scrolls back: a room with more than a page shows the newest, then older pages from history', async () => {
    const busy = `${room}-busy`;
    // Four senders, so 60 messages stay within each user's burst of the rate limit.
    const tokens = await Promise.all(
      ['dana', 'erin', 'fred', 'gina'].map(async (userId) => {
        const response = await fetch(`${urls.webUrl}/dev/token`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ userId }),
        });
        return ((await response.json()) as { token: string }).token;
      }),
    );
    const texts = Array.from({ length: 60 }, (_, index) => `history ${index + 1}`);
    for (const [index, text] of texts.entries()) {
      const response = await fetch(`${urls.historyUrl}/rooms/${busy}/messages`, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          Authorization: `Bearer ${tokens[index % tokens.length]}`,
        },
        body: JSON.stringify({ text, clientMsgId: `seed-${index}` }),
      });
      expect(response.status).toBe(201);
      await response.arrayBuffer();
    }
    await openRoom(bob.page, busy);
    await until(() => messageTexts(bob.page), texts.slice(-50), 'the newest page');
    await bob.page.getByRole('button', { name: 'Load older messages' }).click();
    await until(() => messageTexts(bob.page), texts, 'every message after loading older');
    expect(await bob.page.getByRole('button', { name: 'Load older messages' }).count()).toBe(0);
    await screenshot(bob.page, '07-scrollback');
    await openRoom(bob.page, room);
  });

  it('rings the bell for a notification published through the API', async () => {
    const response = await fetch(`${urls.notificationsUrl}/notifications`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Api-Key': urls.serviceApiKey },
      body: JSON.stringify({
        userIds: ['bob'],
        type: 'mention',
        title: 'Alice mentioned you',
        body: 'in the browser test',
      }),
    });
    expect(response.status).toBe(202);
    await response.arrayBuffer();
    await bob.page.getByTestId('notification-count').filter({ hasText: '1' }).waitFor();
    await bob.page.getByRole('button', { name: /^Notifications/ }).click();
    await bob.page.getByTestId('notification').getByText('Alice mentioned you').waitFor();
    await screenshot(bob.page, '08-notification-bell');
    // Opening the list marks it read.
    expect(await bob.page.getByTestId('notification-count').count()).toBe(0);
  });

  it("the dashboard's connection count moves when a third page opens", async () => {
    const dashboardContext = await browser.newContext({ viewport: { width: 1100, height: 800 } });
    const dashboard = await dashboardContext.newPage();
    await dashboard.goto(`${urls.webUrl}/dashboard`);
    const total = dashboard.getByTestId('total-connections');
    await dashboard.getByTestId('instance').first().waitFor();
    // Alice and Bob: two WebSockets on the one gateway.
    await until(async () => total.textContent(), '2', 'connections before');
    await screenshot(dashboard, '09-dashboard-two-connections');

    const carol = await signedInPage(browser, urls.webUrl, 'carol', 'Carol');
    await until(async () => total.textContent(), '3', 'connections after a third page opened');
    await screenshot(dashboard, '10-dashboard-three-connections');
    await carol.context.close();
    await until(async () => total.textContent(), '2', 'connections after it closed');
    await dashboardContext.close();
  });
});
