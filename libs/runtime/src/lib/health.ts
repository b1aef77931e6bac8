import { Controller, Get, Injectable } from '@nestjs/common';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { MessageBus } from '@switchboard/bus';
import { DataSource } from 'typeorm';

@Injectable()
export class DependencyHealth {
  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly dataSource: DataSource,
    private readonly messageBus: MessageBus,
  ) {}

  async databaseHealth() {
    const indicator = this.indicators.check('database');
    try {
      await this.dataSource.query('SELECT 1');
      return indicator.up();
    } catch (error) {
      return indicator.down({ message: (error as Error).message });
    }
  }

  async messageBusHealth() {
    const indicator = this.indicators.check('bus');
    try {
      await this.messageBus.ping();
      return indicator.up();
    } catch (error) {
      return indicator.down({ message: (error as Error).message });
    }
  }
}

/** `/health/live`: the process answers. `/health/ready`: PostgreSQL and the bus answer too (503 if not). */
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly dependencies: DependencyHealth,
  ) {}

  @Get('live')
  @HealthCheck()
  live() {
    return this.health.check([]);
  }

  @Get('ready')
  @HealthCheck()
  ready() {
    return this.health.check([
      () => this.dependencies.databaseHealth(),
      () => this.dependencies.messageBusHealth(),
    ]);
  }
}
