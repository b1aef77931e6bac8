import { validatePublishNotificationsBody } from './http-bodies';

describe('validatePublishNotificationsBody', () => {
  const valid = { userIds: ['ada'], type: 'mention', title: 'Hi 👋', body: 'You were mentioned' };

  it('accepts a publish whose strings are valid Unicode, surrogate pairs included', () => {
    expect(
      validatePublishNotificationsBody({ ...valid, data: { '👋': ['x', { y: '😀' }] } }),
    ).toEqual({ ok: true, body: { ...valid, data: { '👋': ['x', { y: '😀' }] } } });
  });

  // PostgreSQL cannot hold a lone surrogate: text columns would store U+FFFD, jsonb refuses it (a 500).
  it.each([
    ['a user id', { userIds: ['ada', 'b\ud800'] }],
    ['type', { type: '\udfff' }],
    ['title', { title: 'a\udfffb' }],
    ['body', { body: '\ud800' }],
    ['a string deep in data', { data: { list: [1, { text: 'x\ud800' }] } }],
    ['a key in data', { data: { nested: { '\udc00': 1 } } }],
  ])('refuses a lone surrogate in %s with invalid_body', (_label, change) => {
    expect(validatePublishNotificationsBody({ ...valid, ...change })).toMatchObject({
      ok: false,
      error: { code: 'invalid_body', message: expect.stringMatching(/valid Unicode/) },
    });
  });

  // PostgreSQL cannot hold NUL: text columns refuse the byte, jsonb the `\u0000` escape (a 500).
  it.each([
    ['a user id', { userIds: ['ada', 'b\u0000'] }],
    ['type', { type: 'mention\u0000' }],
    ['title', { title: '\u0000' }],
    ['body', { body: 'a\u0000b' }],
    ['a string deep in data', { data: { list: [1, { text: 'x\u0000' }] } }],
    ['a key in data', { data: { nested: { 'k\u0000': 1 } } }],
  ])('refuses NUL in %s with invalid_body', (_label, change) => {
    expect(validatePublishNotificationsBody({ ...valid, ...change })).toMatchObject({
      ok: false,
      error: { code: 'invalid_body', message: expect.stringMatching(/NUL|control characters/) },
    });
  });

  it('refuses control characters in user ids and type, and keeps them in title, body and data', () => {
    for (const change of [{ userIds: ['a\nb'] }, { userIds: ['a\u007f'] }, { type: 'a\tb' }]) {
      expect(validatePublishNotificationsBody({ ...valid, ...change })).toMatchObject({
        ok: false,
        error: { code: 'invalid_body', message: expect.stringMatching(/control characters/) },
      });
    }
    const multiline = {
      ...valid,
      title: 'a\tb',
      body: 'line 1\r\nline 2\u0007',
      data: { x: '\u001b' },
    };
    expect(validatePublishNotificationsBody(multiline)).toEqual({ ok: true, body: multiline });
  });

  it('walks deeply nested data without overflowing the stack', () => {
    let data: unknown = '\ud800';
    for (let depth = 0; depth < 100_000; depth++) data = [data];
    expect(validatePublishNotificationsBody({ ...valid, data })).toMatchObject({ ok: false });
  });
});
