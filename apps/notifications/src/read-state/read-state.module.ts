import { Module } from '@nestjs/common';
import { NotificationReadController } from './notification-read.controller';
import { NotificationReadService } from './notification-read.service';

@Module({ controllers: [NotificationReadController], providers: [NotificationReadService] })
export class ReadStateModule {}
