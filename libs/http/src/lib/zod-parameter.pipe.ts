import {
  ArgumentMetadata,
  createParamDecorator,
  ExecutionContext,
  HttpStatus,
  PipeTransform,
} from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import { z } from 'zod';
import { apiError } from './http-error.filter';

/**
 * Parses a path parameter, a header or a whole query with its protocol schema. A value that does
 * not fit is 400 `invalid_parameter`, `parameter` naming it: the one given here, else the one the
 * decorator took (`@Param('room')`), else the query field zod found wrong.
 */
export class ZodParameterPipe<S extends z.ZodType> implements PipeTransform<unknown, z.output<S>> {
  constructor(
    private readonly schema: S,
    private readonly name?: string,
  ) {}

  transform(value: unknown, { data }: ArgumentMetadata): z.output<S> {
    const result = this.schema.safeParse(value);
    if (result.success) return result.data;
    const [issue] = result.error.issues;
    const parameter = this.name ?? data ?? String(issue?.path[0] ?? 'query');
    throw apiError(HttpStatus.BAD_REQUEST, {
      code: 'invalid_parameter',
      parameter,
      message: `${parameter} ${issue?.message ?? 'is invalid'}`,
    });
  }
}

/**
 * One request header, for a pipe to check: `@RequestHeader('last-event-id', pipe)`. Nest's own
 * `@Headers()` takes no pipes.
 */
export const RequestHeader = createParamDecorator(
  (name: string, context: ExecutionContext): unknown =>
    context.switchToHttp().getRequest<IncomingMessage>().headers[name],
);
