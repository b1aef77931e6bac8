import { Module } from '@nestjs/common';
import { NotificationPublisher } from '@switchboard/messaging';
import { NotificationPublishController } from './notification-publish.controller';

@Module({ controllers: [NotificationPublishController], providers: [NotificationPublisher] })
export class PublishingModule {}
