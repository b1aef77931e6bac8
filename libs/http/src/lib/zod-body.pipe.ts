import { HttpStatus, PipeTransform } from '@nestjs/common';
import { describeIssues } from '@switchboard/protocol';
import { z } from 'zod';
import { apiError } from './http-error.filter';

/**
 * Parses a request body with its protocol schema, so the handler gets the parsed type and OpenAPI
 * the same schema; a body that does not fit is 400 `invalid_body`, naming each field that is wrong.
 */
export class ZodBodyPipe<S extends z.ZodType> implements PipeTransform<unknown, z.output<S>> {
  constructor(private readonly schema: S) {}

  transform(value: unknown): z.output<S> {
    const result = this.schema.safeParse(value);
    if (!result.success) {
      throw apiError(HttpStatus.BAD_REQUEST, {
        code: 'invalid_body',
        message: describeIssues(result.error),
      });
    }
    return result.data;
  }
}
