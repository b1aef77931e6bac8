import { HttpException } from '@nestjs/common';
import { z } from 'zod';
import { ZodParameterPipe } from './zod-parameter.pipe';

function refusal(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(HttpException);
    expect((error as HttpException).getStatus()).toBe(400);
    return (error as HttpException).getResponse();
  }
  throw new Error('not refused');
}

describe('ZodParameterPipe', () => {
  const digits = z.string().regex(/^\d+$/, 'must be digits').transform(Number);

  it('hands the handler the parsed value', () => {
    expect(new ZodParameterPipe(digits).transform('12', { type: 'param', data: 'id' })).toBe(12);
  });

  it("names the decorator's parameter, or the one it was given", () => {
    expect(
      refusal(() => new ZodParameterPipe(digits).transform('x', { type: 'param', data: 'id' })),
    ).toMatchObject({ code: 'invalid_parameter', parameter: 'id', message: 'id must be digits' });
    expect(
      refusal(() =>
        new ZodParameterPipe(digits, 'Last-Event-ID').transform('x', {
          type: 'custom',
          data: 'last-event-id',
        }),
      ),
    ).toMatchObject({ parameter: 'Last-Event-ID', message: 'Last-Event-ID must be digits' });
  });

  it('names the first wrong field of a whole query', () => {
    const query = z.object({ a: digits.optional(), b: digits.optional() });
    expect(
      refusal(() => new ZodParameterPipe(query).transform({ a: '1', b: 'x' }, { type: 'query' })),
    ).toMatchObject({ code: 'invalid_parameter', parameter: 'b', message: 'b must be digits' });
  });
});
