import {
  ArgumentsHost,
  Catch,
  ExceptionFilter,
  HttpException,
  HttpStatus,
  Logger,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { RepeatedFailureLog } from '@switchboard/observability';

const CODE_BY_STATUS: Partial<Record<number, string>> = {
  [HttpStatus.BAD_REQUEST]: 'bad_request',
  [HttpStatus.UNAUTHORIZED]: 'unauthorized',
  [HttpStatus.FORBIDDEN]: 'forbidden',
  [HttpStatus.NOT_FOUND]: 'not_found',
  [HttpStatus.PAYLOAD_TOO_LARGE]: 'too_large',
  [HttpStatus.UNSUPPORTED_MEDIA_TYPE]: 'unsupported_media_type',
  [HttpStatus.TOO_MANY_REQUESTS]: 'rate_limited',
};

/** What an error response says besides its status, which the filter adds as `statusCode`. */
export interface ApiErrorDetails {
  code: string;
  message: string;
  parameter?: string;
  retryAfterMs?: number;
}

/** The one way services raise an HTTP error with a protocol code. */
export function apiError(status: HttpStatus, details: ApiErrorDetails): HttpException {
  return new HttpException(details, status);
}

/**
 * The error as an HttpException: as is, or, for one the body parser raises before Nest sees the
 * request (a body over the limit, say), its `http-errors` 4xx status and message; null for anything
 * else (a fault of ours). Nest itself turns Fastify's body errors into HttpExceptions.
 */
function asHttpException(exception: unknown): HttpException | null {
  if (exception instanceof HttpException) return exception;
  if (typeof exception !== 'object' || exception === null) return null;
  const { status, expose, message } = exception as {
    status?: unknown;
    expose?: unknown;
    message?: unknown;
  };
  return typeof status === 'number' && status >= 400 && status < 500 && expose === true
    ? new HttpException(String(message), status)
    : null;
}

/** What a body over the limit is told, in Express' body parser's words whichever platform refused it. */
export const TOO_LARGE_MESSAGE = 'request entity too large';

/** The body parser's complaint about a body that is not JSON (our own errors carry a `code`). */
function isUnparsableBody(exception: HttpException): boolean {
  return exception.getStatus() === 400 && /JSON/.test(exception.message);
}

/**
 * Every HTTP error has one shape: `{statusCode, code, message}` (plus `parameter` or `retryAfterMs`
 * where they apply), whether it came from our code, a guard, routing or the body parser.
 */
@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  // An outage fails every request: the log says so once per interval, not once per request.
  private readonly failures = new RepeatedFailureLog(new Logger(HttpErrorFilter.name));

  constructor(private readonly adapterHost: HttpAdapterHost) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    // Through the adapter, so the one filter answers on Express and on Fastify.
    const { httpAdapter } = this.adapterHost;
    const response: unknown = host.switchToHttp().getResponse();
    if (httpAdapter.isHeadersSent(response)) {
      httpAdapter.end(response);
      return;
    }
    const error = asHttpException(exception);
    if (!error) {
      this.failures.record('internal_error', exception);
      httpAdapter.reply(
        response,
        { statusCode: 500, code: 'internal_error', message: 'internal server error' },
        500,
      );
      return;
    }
    const status = error.getStatus();
    const body = error.getResponse();
    if (typeof body === 'object' && body !== null && 'code' in body) {
      httpAdapter.reply(response, { statusCode: status, ...body }, status);
      return;
    }
    const code = isUnparsableBody(error)
      ? 'invalid_json'
      : (CODE_BY_STATUS[status] ?? 'http_error');
    const message =
      code === 'invalid_json'
        ? 'the request body is not valid JSON'
        : code === 'too_large'
          ? TOO_LARGE_MESSAGE
          : error.message;
    httpAdapter.reply(response, { statusCode: status, code, message }, status);
  }
}
