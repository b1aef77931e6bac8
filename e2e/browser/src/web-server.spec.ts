import { JwtService } from '@nestjs/jwt';
import { request as httpRequest } from 'node:http';
import { StandaloneProcess, startStandalone, StandaloneUrls } from './standalone-process';

/**
 * `npm start`'s web server (tools/web-server.ts): the built app, `config.json`, and the development
 * token endpoint, which only it serves, with every refusal of a token request.
 */
describe('npm start: the demo app server', () => {
  let standalone: StandaloneProcess;
  let urls: StandaloneUrls;
  const postToken = (body: string, contentType = 'application/json') =>
    fetch(`${urls.webUrl}/dev/token`, {
      method: 'POST',
      headers: { 'Content-Type': contentType },
      body,
    });

  beforeAll(async () => {
    standalone = await startStandalone();
    urls = standalone.urls;
  });

  afterAll(async () => {
    await standalone?.stop();
  });

  it('serves the built app with a content security policy, and client-side routes as the app', async () => {
    const index = await fetch(`${urls.webUrl}/`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(index.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await index.text();
    expect(html).toContain('<div id="root"></div>');
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const asset = await fetch(`${urls.webUrl}${script}`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    await asset.arrayBuffer();

    const dashboard = await fetch(`${urls.webUrl}/dashboard`);
    expect(dashboard.status).toBe(200);
    expect(await dashboard.text()).toBe(html);
  });

  it('answers 404 for a missing asset, a malformed path and a path outside the app', async () => {
    const missing = await fetch(`${urls.webUrl}/assets/nothing.js`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ statusCode: 404, code: 'not_found' });
    const malformed = await fetch(`${urls.webUrl}/assets/%E0%A4%A`);
    expect(malformed.status).toBe(404);
    expect(await malformed.json()).toMatchObject({ code: 'not_found' });
    // fetch would normalize `..` away, so the raw request line carries it.
    const status = await new Promise<number | undefined>((done, fail) => {
      const url = new URL(urls.webUrl);
      httpRequest(
        { host: url.hostname, port: url.port, path: '/%2e%2e/%2e%2e/package.json' },
        (response) => {
          response.resume();
          done(response.statusCode);
        },
      )
        .on('error', fail)
        .end();
    });
    expect(status).toBe(404);
  });

  it('tells the app where the services are, on the host name the browser used', async () => {
    const response = await fetch(`${urls.webUrl}/config.json`);
    expect(response.status).toBe(200);
    const { port } = new URL(urls.gatewayHttpUrl);
    expect(await response.json()).toEqual({
      gatewayUrl: `ws://127.0.0.1:${port}/ws`,
      notificationsUrl: urls.notificationsUrl,
      historyUrl: urls.historyUrl,
      devTokenUrl: '/dev/token',
    });
  });

  it('signs a development token for the user named, with an admin claim when asked', async () => {
    const jwt = new JwtService({ secret: urls.jwtSecret });
    const user = await postToken(JSON.stringify({ userId: 'alice', name: 'Alice' }));
    expect(user.status).toBe(200);
    const { token } = (await user.json()) as { token: string };
    expect(jwt.verify(token)).toMatchObject({ sub: 'alice', name: 'Alice' });
    expect(jwt.verify(token)).not.toHaveProperty('admin');

    const admin = await postToken(JSON.stringify({ userId: 'ops', admin: true }));
    const adminToken = ((await admin.json()) as { token: string }).token;
    expect(jwt.verify(adminToken)).toMatchObject({ sub: 'ops', name: 'ops', admin: true });

    // The services accept it: the history service answers the token's user.
    const page = await fetch(`${urls.historyUrl}/rooms/lobby/messages`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(page.status).toBe(200);
    await page.arrayBuffer();
  });

  it.each([
    ['a userId with a space', { userId: 'al ice' }, 'userId'],
    ['an empty userId', { userId: '' }, 'userId'],
    ['a userId over 64 characters', { userId: 'a'.repeat(65) }, 'userId'],
    ['no userId', { name: 'Alice' }, 'userId'],
    ['a name with a control character', { userId: 'alice', name: 'A\u0007' }, 'name'],
    ['a blank name', { userId: 'alice', name: '   ' }, 'name'],
    ['admin that is not a boolean', { userId: 'alice', admin: 'yes' }, 'admin'],
    ['an unknown field', { userId: 'alice', role: 'admin' }, ''],
  ])('refuses %s with 400 invalid_body naming the field', async (_, body, field) => {
    const response = await postToken(JSON.stringify(body));
    expect(response.status).toBe(400);
    const error = (await response.json()) as { code: string; message: string };
    expect(error.code).toBe('invalid_body');
    if (field) expect(error.message).toMatch(new RegExp(`^${field}: `));
    else expect(error.message).toMatch(/role/);
  });

  it('refuses a body that is not JSON (400), not declared JSON (415) or too large (413)', async () => {
    const notJson = await postToken('{"userId":');
    expect(notJson.status).toBe(400);
    expect(await notJson.json()).toMatchObject({ code: 'invalid_json' });

    const form = await postToken('userId=alice', 'application/x-www-form-urlencoded');
    expect(form.status).toBe(415);
    expect(await form.json()).toMatchObject({ code: 'unsupported_media_type' });

    const large = await postToken(JSON.stringify({ userId: 'alice', name: 'x'.repeat(5_000) }));
    expect(large.status).toBe(413);
    expect(await large.json()).toMatchObject({ code: 'too_large' });
  });

  it('refuses other methods: GET /dev/token 405, POST elsewhere 405', async () => {
    const get = await fetch(`${urls.webUrl}/dev/token`);
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    await get.arrayBuffer();
    const post = await fetch(`${urls.webUrl}/config.json`, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    await post.arrayBuffer();
  });

  it('is not served by any service: the token endpoint exists only in npm start', async () => {
    for (const base of [urls.gatewayHttpUrl, urls.notificationsUrl, urls.historyUrl]) {
      const response = await fetch(`${base}/dev/token`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ userId: 'alice' }),
      });
      expect(response.status).toBe(404);
      await response.arrayBuffer();
    }
  });
});
