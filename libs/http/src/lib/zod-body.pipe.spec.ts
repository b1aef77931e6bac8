import { HttpException } from '@nestjs/common';
import { z } from 'zod';
import { ZodBodyPipe } from './zod-body.pipe';

describe('ZodBodyPipe', () => {
  const pipe = new ZodBodyPipe(
    z.strictObject({ role: z.enum(['member', 'admin']).default('member') }),
  );

  it('hands the handler the parsed body, defaults applied', () => {
    expect(pipe.transform({})).toEqual({ role: 'member' });
    expect(pipe.transform({ role: 'admin' })).toEqual({ role: 'admin' });
  });

  it.each([[undefined], [null], [[]], [{ role: 'owner' }], [{ role: 'admin', extra: 1 }]])(
    'refuses %j with 400 invalid_body',
    (body) => {
      let thrown: unknown;
      try {
        pipe.transform(body);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(HttpException);
      expect((thrown as HttpException).getStatus()).toBe(400);
      expect((thrown as HttpException).getResponse()).toMatchObject({ code: 'invalid_body' });
    },
  );

  it('names the field that is wrong', () => {
    expect(() => pipe.transform({ role: 'owner' })).toThrow(/^role: /);
  });
});
