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
 * A user's notification read position, made by their first mark-read (commit order of their ids comes
 * from the publish's recipient bucket locks, see `NotificationStore`).
 */
@Entity({ name: 'notification_recipients' })
export class NotificationRecipientEntity {
  @PrimaryColumn({ name: 'user_id', type: 'varchar', length: 255 })
  userId!: string;

  /** Every notification of this user up to this id has been read. */
  @Column({ name: 'last_read_id', type: 'bigint' })
  lastReadId!: string;
}

/** Who may use a room: `open` to anyone, `private` to its members, `direct` to its two users. */
@Entity({ name: 'rooms' })
@Index('rooms_direct_pair_key', ['directUserA', 'directUserB'], {
  unique: true,
  where: "access = 'direct'",
})
export class RoomEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  room!: string;

  @Column({ type: 'varchar', length: 16 })
  access!: 'open' | 'private' | 'direct';

  @Column({ type: 'varchar', length: 200, nullable: true })
  title!: string | null;

  /** A direct room's users in canonical order (by UTF-16 code units, smaller first); null for other rooms. */
  @Column({ name: 'direct_user_a', type: 'varchar', length: 255, nullable: true })
  directUserA!: string | null;

  @Column({ name: 'direct_user_b', type: 'varchar', length: 255, nullable: true })
  directUserB!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}

/** A user's membership of a room: what gives access to a private room, and what makes a user's inbox. */
@Entity({ name: 'room_members' })
@Index('room_members_user_id_idx', ['userId'])
export class RoomMemberEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  room!: string;

  @PrimaryColumn({ name: 'user_id', type: 'varchar', length: 255 })
  userId!: string;

  @Column({ type: 'varchar', length: 16 })
  role!: 'member' | 'admin';

  /** Everything up to this seq has been read. */
  @Column({ name: 'last_read_seq', type: 'bigint', transformer: bigintAsNumber })
  lastReadSeq!: number;

  @CreateDateColumn({ name: 'joined_at', type: 'timestamptz' })
  joinedAt!: Date;
}

/** The name each user last connected with, for showing users who are not online. */
@Entity({ name: 'users' })
export class UserEntity {
  @PrimaryColumn({ type: 'varchar', length: 255 })
  id!: string;

  @Column({ type: 'varchar', length: 255 })
  name!: string;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}

export const ENTITIES = [
  MessageEntity,
  RoomSequenceEntity,
  NotificationEntity,
  NotificationRecipientEntity,
  RoomEntity,
  RoomMemberEntity,
  UserEntity,
];
