import {
  Controller,
  Get,
  Injectable,
  Optional,
  Res,
  ServiceUnavailableException,
} from '@nestjs/common';
import {
  HealthCheck,
  HealthCheckService,
  HealthIndicatorFunction,
  HealthIndicatorService,
} from '@nestjs/terminus';
import { RedisConnections } from '@switchboard/redis';
import { DataSource } from 'typeorm';

@Injectable()
export class DependencyHealth {
  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly dataSource: DataSource,
    /** Absent in single-process mode without REDIS_URL, where nothing uses Redis. */
    @Optional() private readonly redis?: RedisConnections,
  ) {}

  /** What readiness checks: PostgreSQL, and Redis where the service uses it. */
  readinessChecks(): HealthIndicatorFunction[] {
    const checks: HealthIndicatorFunction[] = [() => this.databaseHealth()];
    const { redis } = this;
    if (redis) checks.push(() => this.redisHealth(redis));
    return checks;
  }

  async databaseHealth() {
    const indicator = this.indicators.check('database');
    try {
      await this.dataSource.query('SELECT 1');
      return indicator.up();
    } catch (error) {
      return indicator.down({ message: (error as Error).message });
    }
  }

  async redisHealth(redis: RedisConnections) {
    const indicator = this.indicators.check('redis');
    try {
      await redis.ping();
      return indicator.up();
    } catch (error) {
      return indicator.down({ message: (error as Error).message });
    }
  }
}

/** `/health/live`: the process answers. `/health/ready`: PostgreSQL and Redis answer too (503 if not). */
/** What `ready` sets on its response, the same on Express and Fastify. */
interface StatusSetter {
  status(code: number): unknown;
}

@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly dependencies: DependencyHealth,
  ) {}

  @Get('live')
  @HealthCheck({ noCache: true, swaggerDocumentation: false })
  live() {
    return this.health.check([]);
  }

  /** A 503 keeps terminus' body, which names the dependency that is down, past the error filter. */
  @Get('ready')
  @HealthCheck({ noCache: true, swaggerDocumentation: false })
  async ready(@Res({ passthrough: true }) response: StatusSetter) {
    try {
      return await this.health.check(this.dependencies.readinessChecks());
    } catch (error) {
      if (!(error instanceof ServiceUnavailableException)) throw error;
      response.status(error.getStatus());
      return error.getResponse();
    }
  }
}

/**
 * Terminus' OpenAPI description of the health endpoints, applied by `serveApiDocs` when the docs are
 * served: as part of `@HealthCheck()` it would load `@nestjs/swagger` in every service, docs off or not.
 */
export function describeHealth(): void {
  const prototype = HealthController.prototype;
  for (const key of ['live', 'ready'] as const) {
    const method: PropertyDescriptor = { value: Reflect.get(prototype, key) };
    HealthCheck({ noCache: false, swaggerDocumentation: true })(prototype, key, method);
  }
}
