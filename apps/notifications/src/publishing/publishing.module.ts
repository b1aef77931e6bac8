import { Module } from '@nestjs/common';
import { NotificationPublishController } from './notification-publish.controller';

@Module({ controllers: [NotificationPublishController] })
export class PublishingModule {}
