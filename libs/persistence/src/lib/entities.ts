import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  PrimaryColumn,
  PrimaryGeneratedColumn,
  ValueTransformer,
} from 'typeorm';

/** pg returns bigint as a string; sequence numbers stay well inside Number.MAX_SAFE_INTEGER. */
const bigintAsNumber: ValueTransformer = {
  to: (value: number | undefined) => value,
  from: (value: string | null) => (value === null ? null : Number(value)),
};

@Entity({ name: 'messages' })
@Index('messages_room_seq_key', ['room', 'seq'], { unique: true })
@Index('messages_client_msg_id_key', ['room', 'userId', 'clientMsgId'], {
  unique: true,
  where: 'client_msg_id IS NOT NULL',
})
export class MessageEntity {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id!: string;

  @Column({ type: 'varchar', length: 64 })
  room!: string;

  @Column({ type: 'bigint', transformer: bigintAsNumber })
  seq!: number;

  @Column({ name: 'user_id', type: 'varchar', length: 255 })
  userId!: string;

  @Column({ name: 'user_name', type: 'varchar', length: 255 })
  userName!: string;

  @Column({ type: 'text' })
  text!: string;

  @Column({ name: 'client_msg_id', type: 'varchar', length: 64, nullable: true })
  clientMsgId!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}

/** One row per room: the last sequence number handed out. Its row lock serializes senders per room. */
@Entity({ name: 'room_sequences' })
export class RoomSequenceEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  room!: string;

  @Column({ name: 'last_seq', type: 'bigint', transformer: bigintAsNumber })
  lastSeq!: number;
}

@Entity({ name: 'notifications' })
@Index('notifications_user_id_id_idx', ['userId', 'id'])
export class NotificationEntity {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id!: string;

  @Column({ name: 'user_id', type: 'varchar', length: 255 })
  userId!: string;

  @Column({ type: 'varchar', length: 64 })
  type!: string;

  @Column({ type: 'text' })
  title!: string;

  @Column({ type: 'text' })
  body!: string;

  @Column({ type: 'jsonb', nullable: true })
  data!: unknown;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}

/**
 * One row per notified user, locked while that user's notifications are inserted, so that a user's
 * notification ids are handed out in commit order: a stream that has seen id N never later misses an id below N.
 */
@Entity({ name: 'notification_recipients' })
export class NotificationRecipientEntity {
  @PrimaryColumn({ name: 'user_id', type: 'varchar', length: 255 })
  userId!: string;
}

export const ENTITIES = [
  MessageEntity,
  RoomSequenceEntity,
  NotificationEntity,
  NotificationRecipientEntity,
];
