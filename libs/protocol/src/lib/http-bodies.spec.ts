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

  it('walks deeply nested data without overflowing the stack', () => {
    let data: unknown = '\ud800';
    for (let depth = 0; depth < 100_000; depth++) data = [data];
    expect(validatePublishNotificationsBody({ ...valid, data })).toMatchObject({ ok: false });
  });
});
