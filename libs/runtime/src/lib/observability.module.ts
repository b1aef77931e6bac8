import { DynamicModule, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { LoggerModule } from 'nestjs-pino';
import type { IncomingMessage } from 'node:http';
import { DependencyHealth, HealthController } from './health';
import { MetricsController } from './metrics.controller';
import { SwitchboardMetrics } from './metrics';

export interface ObservabilityOptions {
  service: string;
  logLevel: string;
}

/** Tokens may travel in the query string (browsers): never let one reach a log line. */
export function redactUrl(url: string | undefined): string | undefined {
  return url?.replace(/([?&]access_token=)[^&]*/g, '$1[redacted]');
}

/** Structured logs (pino), `/metrics` (Prometheus) and `/health/*` (terminus) for one service. */
@Module({})
export class ObservabilityModule {
  static forRoot(options: ObservabilityOptions): DynamicModule {
    return {
      module: ObservabilityModule,
      global: true,
      imports: [
        TerminusModule.forRoot({ logger: false }),
        LoggerModule.forRoot({
          pinoHttp: {
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
          },
        }),
      ],
      controllers: [HealthController, MetricsController],
      providers: [SwitchboardMetrics, DependencyHealth],
      exports: [SwitchboardMetrics],
    };
  }
}
