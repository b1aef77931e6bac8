import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { apiError, HttpErrorFilter } from '@switchboard/http';
import { RoomAccessError } from '@switchboard/room-access';

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

/**
 * Room access refusals as HTTP errors: 403 `forbidden`, 404 `not_found`, 400 `invalid_parameter`.
 * A filter rather than an interceptor, so a request that is not refused pays nothing for it.
 */
@Catch(RoomAccessError)
export class RoomAccessErrors implements ExceptionFilter {
  private readonly httpErrors: HttpErrorFilter;

  constructor(adapterHost: HttpAdapterHost) {
    this.httpErrors = new HttpErrorFilter(adapterHost);
  }

  catch(error: RoomAccessError, host: ArgumentsHost): void {
    this.httpErrors.catch(toHttpError(error), host);
  }
}
