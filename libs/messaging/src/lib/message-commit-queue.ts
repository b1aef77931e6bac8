import { AppendResult, MessageStore, NewMessage } from '@switchboard/persistence';

/** The most messages one statement commits: bounds its parameters and how long it holds the rooms' locks. */
export const MAX_BATCH_MESSAGES = 500;

/** A message whose sender went away before its commit began: nothing was stored, and no one is told. */
export class SendAbandonedError extends Error {
  override readonly name = 'SendAbandonedError';
  constructor() {
    super('the sender left before the message was committed');
  }
}

interface PendingAppend {
  message: NewMessage;
  abandoned: (() => boolean) | undefined;
  resolve: (result: AppendResult) => void;
  reject: (error: unknown) => void;
}

function isWanted(pending: PendingAppend): boolean {
  if (!pending.abandoned?.()) return true;
  pending.reject(new SendAbandonedError());
  return false;
}

/**
 * Group commit for one instance: the messages appended while a commit is in flight are committed
 * together, in one statement, once it completes. Commits run one at a time and resolve their messages
 * in append order, so seqs follow append order and whatever a caller does on resolving (the fan-out)
 * happens in seq order, before the next commit's callers resume.
 */
export class MessageCommitQueue {
  private waiting: PendingAppend[] = [];
  private committing = false;

  constructor(private readonly store: Pick<MessageStore, 'append' | 'appendBatch'>) {}

  /**
   * Resolves once the message is committed (or found to repeat a `clientMsgId`), like
   * `MessageStore.append`. If `abandoned()` is true when its commit is about to begin (its sender's
   * connection has closed), it is dropped and rejects with SendAbandonedError.
   */
  append(message: NewMessage, abandoned?: () => boolean): Promise<AppendResult> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ message, abandoned, resolve, reject });
      if (this.committing) return;
      this.committing = true;
      // After this turn's I/O callbacks: the frames of one socket read join the first commit.
      setImmediate(() => void this.commitWaiting());
    });
  }

  private async commitWaiting(): Promise<void> {
    while (this.waiting.length > 0) {
      const batch = this.waiting.splice(0, MAX_BATCH_MESSAGES).filter(isWanted);
      if (batch.length > 0) await this.commit(batch);
    }
    this.committing = false;
  }

  private async commit(batch: PendingAppend[]): Promise<void> {
    if (batch.length > 1) {
      let results: AppendResult[] | undefined;
      try {
        results = await this.store.appendBatch(batch.map((pending) => pending.message));
      } catch {
        // Refused as a whole (a repeated clientMsgId, or one bad message): each is tried on its own below.
      }
      if (results) {
        for (let i = 0; i < batch.length; i++) batch[i].resolve(results[i]);
        return;
      }
    }
    for (const pending of batch) {
      if (!isWanted(pending)) continue;
      try {
        pending.resolve(await this.store.append(pending.message));
      } catch (error) {
        pending.reject(error);
      }
    }
  }
}
