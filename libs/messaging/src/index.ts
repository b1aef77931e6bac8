export { ChatError, ChatMessageService } from './lib/chat-message.service';
export type { OutgoingMessage } from './lib/chat-message.service';
export { MessagingModule } from './lib/messaging.module';
export { ChatMetrics } from './lib/chat-metrics';
