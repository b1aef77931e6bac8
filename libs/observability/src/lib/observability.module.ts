import {
  DynamicModule,
  Inject,
  MiddlewareConsumer,
  Module,
  NestModule,
  RequestMethod,
} from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { LoggerModule } from 'nestjs-pino';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DestinationStream } from 'pino';
import { Options as PinoHttpOptions, pinoHttp } from 'pino-http';
import { DependencyHealth, HealthController } from './health';
import { MetricsAccessGuard } from './metrics-access';
import { MetricsController } from './metrics.controller';
import { MetricsPortServer } from './metrics-port.server';
import { MetricsRegistry } from './metrics-registry';

export interface ObservabilityOptions {
  service: string;
  logLevel: string;
}

/** The fields pino-http gives `customErrorObject` for a failed request's line, besides the `err` we drop. */
interface RequestLogFields {
  res: ServerResponse;
  responseTime: number;
}

/** A query parameter whose name says it carries a credential (`access_token`, `api_key`, `apiKey`, `secret`…). */
const CREDENTIAL_PARAMETER = /token|key|secret|passw|pwd|signature|auth|credential|session/i;

function decodedName(name: string): string {
  try {
    return decodeURIComponent(name.replace(/\+/g, ' '));
  } catch {
    return name;
  }
}

/**
 * The URL with the value of every credential-like query parameter replaced by `[redacted]`: tokens
 * travel in query strings (browsers), and clients put keys there too, so none may reach a log line.
 */
export function redactUrl(url: string | undefined): string | undefined {
  const queryStart = url?.indexOf('?') ?? -1;
  if (url === undefined || queryStart < 0) return url;
  const parameters = url
    .slice(queryStart + 1)
    .split('&')
    .map((parameter) => {
      const equals = parameter.indexOf('=');
      const name = equals < 0 ? parameter : parameter.slice(0, equals);
      return equals >= 0 && CREDENTIAL_PARAMETER.test(decodedName(name))
        ? `${name}=[redacted]`
        : parameter;
    });
  return `${url.slice(0, queryStart + 1)}${parameters.join('&')}`;
}

/**
 * pino-http's options: one line per completed request (health checks aside), its URL's credentials
 * redacted. A 5xx line is a warning with the status and no error: pino-http would attach an Error it
 * makes up, stack and all, while the real failure is logged, summarised, by HttpErrorFilter.
 */
export function requestLogOptions(options: ObservabilityOptions): PinoHttpOptions {
  return {
    level: options.logLevel,
    base: { service: options.service },
    autoLogging: {
      ignore: (req: IncomingMessage) => req.url?.startsWith('/health') ?? false,
    },
    serializers: {
      req: (req: { method: string; url: string }) => ({
        method: req.method,
        url: redactUrl(req.url),
      }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
    customLogLevel: (_req, res, error) =>
      error !== undefined || res.statusCode >= 500 ? 'warn' : 'info',
    customErrorMessage: (_req, res, error) =>
      res.statusCode >= 500
        ? `request failed with status ${res.statusCode}`
        : `request errored: ${error.message}`,
    customErrorObject: (_req, _res, _error, loggable: RequestLogFields) => ({
      res: loggable.res,
      responseTime: loggable.responseTime,
    }),
  };
}

type RequestLogMiddleware = ((
  request: IncomingMessage,
  response: ServerResponse,
  next: () => void,
) => void) & { logger: ReturnType<typeof pinoHttp>['logger'] };

/**
 * The request log (one line per completed request, `requestLogOptions`). pino-http makes a child
 * logger for every request, the request serialized into it; when the level lets only the 5xx and
 * errored lines through (`warn`), that child is made for such a request alone, and its line is the
 * one pino-http writes, from the same options.
 */
export function requestLogMiddleware(
  options: ObservabilityOptions,
  destination?: DestinationStream,
): RequestLogMiddleware {
  const logOptions = requestLogOptions(options);
  const full = destination ? pinoHttp(logOptions, destination) : pinoHttp(logOptions);
  const { logger } = full;
  if (logger.isLevelEnabled('info') || !logger.isLevelEnabled('warn')) return full;
  const failedObject = logOptions.customErrorObject as NonNullable<
    PinoHttpOptions['customErrorObject']
  >;
  const failedMessage = logOptions.customErrorMessage as NonNullable<
    PinoHttpOptions['customErrorMessage']
  >;
  const isIgnored = (logOptions.autoLogging as { ignore: (request: IncomingMessage) => boolean })
    .ignore;
  const middleware = (request: IncomingMessage, response: ServerResponse, next: () => void) => {
    const startedAt = Date.now();
    // As pino-http: a request its `ignore` excludes is logged only if its response errors.
    const ignored = isIgnored(request);
    const completed = (error?: Error) => {
      response.removeListener('close', completed);
      response.removeListener('finish', completed);
      response.removeListener('error', completed);
      if (error === undefined && response.statusCode < 500) return;
      const failure = error ?? new Error(`failed with status code ${response.statusCode}`);
      const responseTime = Date.now() - startedAt;
      logger
        .child({ req: request })
        .warn(
          failedObject(request, response, failure, { res: response, err: failure, responseTime }),
          failedMessage(request, response, failure),
        );
    };
    if (!ignored) {
      response.on('close', completed);
      response.on('finish', completed);
    }
    response.on('error', completed);
    next();
  };
  return Object.assign(middleware, { logger });
}

const REQUEST_LOG = Symbol('REQUEST_LOG');

/**
 * Structured logs (pino), `/metrics` (Prometheus; on METRICS_PORT instead when set, behind METRICS_TOKEN
 * when set) and `/health/*` (terminus) for one service.
 *
 * The request log is pino-http applied here rather than by nestjs-pino, whose middleware runs every
 * request inside an AsyncLocalStorage: that turns on an async hook every promise of the process then
 * pays, the gateway's WebSocket frames included, only to tag a request's own log lines with it.
 */
@Module({})
export class ObservabilityModule implements NestModule {
  constructor(@Inject(REQUEST_LOG) private readonly requestLog: RequestLogMiddleware) {}

  static forRoot(options: ObservabilityOptions): DynamicModule {
    const requestLog = requestLogMiddleware(options);
    return {
      module: ObservabilityModule,
      global: true,
      imports: [
        TerminusModule.forRoot({ logger: false }),
        // Nest's loggers write through the request log's pino logger; nestjs-pino binds no middleware.
        LoggerModule.forRoot({ pinoHttp: { logger: requestLog.logger }, forRoutes: [] }),
      ],
      controllers: [HealthController, MetricsController],
      providers: [
        MetricsRegistry,
        DependencyHealth,
        MetricsAccessGuard,
        MetricsPortServer,
        { provide: REQUEST_LOG, useValue: requestLog },
      ],
      exports: [MetricsRegistry],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(this.requestLog).forRoutes({ path: '*', method: RequestMethod.ALL });
  }
}
