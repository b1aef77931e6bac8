import { Module } from '@nestjs/common';
import { AdminAccessGuard } from './admin-access.guard';
import { AdminStatsController } from './admin-stats.controller';
import { LiveStatsBoard } from './live-stats-board';

@Module({ controllers: [AdminStatsController], providers: [AdminAccessGuard, LiveStatsBoard] })
export class DashboardModule {}
