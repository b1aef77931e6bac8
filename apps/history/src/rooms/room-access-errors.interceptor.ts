import {
  CallHandler,
  ExecutionContext,
  HttpException,
  HttpStatus,
  Injectable,
  NestInterceptor,
} from '@nestjs/common';
import { apiError } from '@switchboard/http';
import { RoomAccessError } from '@switchboard/room-access';
import { catchError, Observable, throwError } from 'rxjs';

function toHttpError(error: RoomAccessError): HttpException {
  const { message } = error;
  switch (error.reason) {
    case 'forbidden':
      return apiError(HttpStatus.FORBIDDEN, { code: 'forbidden', message });
    case 'not_found':
      return apiError(HttpStatus.NOT_FOUND, { code: 'not_found', message });
    case 'direct_room':
      return apiError(HttpStatus.BAD_REQUEST, {
        code: 'invalid_parameter',
        parameter: 'room',
        message,
      });
    case 'direct_with_self':
      return apiError(HttpStatus.BAD_REQUEST, {
        code: 'invalid_parameter',
        parameter: 'userId',
        message,
      });
  }
}

/** Room access refusals as HTTP errors: 403 `forbidden`, 404 `not_found`, 400 `invalid_parameter`. */
@Injectable()
export class RoomAccessErrors implements NestInterceptor {
  intercept(_context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next
      .handle()
      .pipe(
        catchError((error: unknown) =>
          throwError(() => (error instanceof RoomAccessError ? toHttpError(error) : error)),
        ),
      );
  }
}
