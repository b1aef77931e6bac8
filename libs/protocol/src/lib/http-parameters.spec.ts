import {
  lastEventIdHeader,
  messagePageQuery,
  notificationPageQuery,
  roomParameter,
  userIdParameter,
} from './http-parameters';

function firstIssue(result: { success: boolean; error?: { issues: unknown[] } }) {
  return result.error?.issues[0];
}

describe('messagePageQuery', () => {
  it('reads numbers, defaults the limit and ignores parameters it does not know', () => {
    expect(messagePageQuery.parse({ after: '7', wait: '30', cacheBuster: 'x' })).toEqual({
      after: 7,
      limit: 50,
      wait: 30,
    });
    expect(messagePageQuery.parse({ before: '0', limit: '100' })).toEqual({
      before: 0,
      limit: 100,
    });
  });

  it.each([
    [{ limit: '0' }, 'limit'],
    [{ limit: '101' }, 'limit'],
    [{ before: '-1' }, 'before'],
    [{ after: '1.5' }, 'after'],
    [{ after: ['1', '2'] }, 'after'],
    [{ after: '1', wait: '31' }, 'wait'],
    [{ after: '1', wait: 'ten' }, 'wait'],
    [{ after: '1', wait: '' }, 'wait'],
  ])('refuses %j, naming %s', (query, parameter) => {
    expect(firstIssue(messagePageQuery.safeParse(query))).toMatchObject({
      path: [parameter],
      message: expect.stringMatching(/^must be a whole number from \d+ to \d+$/) as string,
    });
  });

  it('holds a request only after a known seq, never paging back', () => {
    expect(messagePageQuery.parse({ after: '3', wait: '0', before: '9' })).toMatchObject({
      wait: 0,
    });
    for (const query of [{ wait: '5' }, { wait: '5', after: '3', before: '9' }]) {
      expect(firstIssue(messagePageQuery.safeParse(query))).toMatchObject({
        path: ['wait'],
        message: 'needs after (the last seq the client has) and no before',
      });
    }
  });
});

describe('notificationPageQuery', () => {
  it('reads an id as its canonical decimal and starts at 0 without one', () => {
    expect(notificationPageQuery.parse({ after: '007' })).toEqual({ after: '7', limit: 50 });
    expect(notificationPageQuery.parse({})).toEqual({ after: '0', limit: 50 });
  });

  it.each([[{ after: 'x' }], [{ after: '1234567890123456789' }], [{ after: '' }]])(
    'refuses %j, naming after',
    (query) => {
      expect(firstIssue(notificationPageQuery.safeParse(query))).toMatchObject({
        path: ['after'],
        message: 'must be a notification id (digits only)',
      });
    },
  );
});

describe('lastEventIdHeader', () => {
  it('treats an empty header as none', () => {
    expect(lastEventIdHeader.parse('')).toBeUndefined();
    expect(lastEventIdHeader.parse(undefined)).toBeUndefined();
    expect(lastEventIdHeader.parse('42')).toBe('42');
    expect(lastEventIdHeader.safeParse('4x').success).toBe(false);
  });
});

describe('path parameters', () => {
  it('checks a room and a user id with their rules', () => {
    expect(roomParameter.safeParse('lobby').success).toBe(true);
    expect(firstIssue(roomParameter.safeParse('a b'))).toMatchObject({
      message: 'must match ^[A-Za-z0-9_.:-]{1,64}$',
    });
    expect(userIdParameter.safeParse('alice').success).toBe(true);
    expect(firstIssue(userIdParameter.safeParse('a\u0007'))).toMatchObject({
      message: 'must be 1-255 characters of valid Unicode without control characters',
    });
  });
});
