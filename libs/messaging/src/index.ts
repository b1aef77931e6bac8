export { ChatError, ChatMessageService } from './lib/chat-message.service';
export type { OutgoingMessage } from './lib/chat-message.service';
export { MessagingModule } from './lib/messaging.module';
export { MessageCommitQueue, SendAbandonedError } from './lib/message-commit-queue';
export { ChatMetrics } from './lib/chat-metrics';
export { AwayDelivery, PREVIEW_LENGTH, previewOf } from './lib/away-delivery';
export { NotificationPublisher } from './lib/notification-publisher';
