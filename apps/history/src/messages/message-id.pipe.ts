import { HttpStatus, Injectable, PipeTransform } from '@nestjs/common';
import { apiError } from '@switchboard/http';

/** A message id in a path: digits only, or 404 (no message has any other id). */
@Injectable()
export class MessageIdPipe implements PipeTransform<string, string> {
  transform(id: string): string {
    if (/^[1-9][0-9]{0,18}$/.test(id)) return id;
    throw apiError(HttpStatus.NOT_FOUND, { code: 'not_found', message: `no message ${id}` });
  }
}
