import { Controller, Get, Header, UseGuards } from '@nestjs/common';
import { MetricsAccessGuard } from './metrics-access';
import { MetricsRegistry } from './metrics-registry';

@Controller('metrics')
@UseGuards(MetricsAccessGuard)
export class MetricsController {
  constructor(private readonly metrics: MetricsRegistry) {}

  @Get()
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  scrape(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}
