import { AppendResult, NewMessage } from '@switchboard/persistence';
import { MAX_BATCH_MESSAGES, MessageCommitQueue, SendAbandonedError } from './message-commit-queue';

function resultOf(message: NewMessage, seq: number): AppendResult {
  return {
    created: true,
    message: {
      id: String(seq),
      room: message.room,
      seq,
      user: { id: message.userId, name: message.userName },
      text: message.text,
      ts: seq,
      clientMsgId: message.clientMsgId,
    },
  };
}

function message(text: string): NewMessage {
  return { room: 'lobby', userId: 'ada', userName: 'Ada', text, clientMsgId: null };
}

/** A store whose commits complete only when the test says so, recording what each commit held. */
class GatedStore {
  readonly commits: string[][] = [];
  private seq = 0;
  private gates: (() => void)[] = [];
  /** Texts whose batch is refused as a whole, and which then fail on their own too. */
  readonly failing = new Set<string>();

  async append(input: NewMessage): Promise<AppendResult> {
    this.commits.push([input.text]);
    await this.gate();
    if (this.failing.has(input.text)) throw new Error(`bad ${input.text}`);
    return resultOf(input, ++this.seq);
  }

  async appendBatch(inputs: readonly NewMessage[]): Promise<AppendResult[]> {
    this.commits.push(inputs.map((input) => input.text));
    await this.gate();
    if (inputs.some((input) => this.failing.has(input.text))) throw new Error('batch refused');
    return inputs.map((input) => resultOf(input, ++this.seq));
  }

  /** Lets the oldest commit in flight complete. */
  open(): void {
    this.gates.shift()?.();
  }

  get inFlight(): number {
    return this.gates.length;
  }

  private gate(): Promise<void> {
    return new Promise((resolve) => this.gates.push(resolve));
  }
}

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setImmediate(resolve));
}

describe('MessageCommitQueue', () => {
  it('commits the messages appended during a commit together, and resolves them in append order', async () => {
    const store = new GatedStore();
    const queue = new MessageCommitQueue(store);
    const resolved: string[] = [];
    const append = (text: string) =>
      queue.append(message(text)).then((result) => {
        resolved.push(`${result.message.text}@${result.message.seq}`);
        return result;
      });

    const first = append('m1');
    await until(() => store.inFlight === 1);
    const rest = ['m2', 'm3', 'm4'].map(append);
    // Nothing is acknowledged before its commit completes.
    await new Promise((resolve) => setImmediate(resolve));
    expect(resolved).toEqual([]);
    expect(store.commits).toEqual([['m1']]);

    store.open();
    await first;
    await until(() => store.inFlight === 1);
    expect(store.commits).toEqual([['m1'], ['m2', 'm3', 'm4']]);
    expect(resolved).toEqual(['m1@1']);
    store.open();
    await Promise.all(rest);
    expect(resolved).toEqual(['m1@1', 'm2@2', 'm3@3', 'm4@4']);
  });

  it('joins the messages of one turn into the first commit', async () => {
    const store = new GatedStore();
    const queue = new MessageCommitQueue(store);
    const sent = ['a', 'b', 'c'].map((text) => queue.append(message(text)));
    await until(() => store.inFlight === 1);
    store.open();
    await Promise.all(sent);
    expect(store.commits).toEqual([['a', 'b', 'c']]);
  });

  it(`commits at most ${MAX_BATCH_MESSAGES} messages in one statement`, async () => {
    const store = new GatedStore();
    const queue = new MessageCommitQueue(store);
    const texts = Array.from({ length: MAX_BATCH_MESSAGES + 1 }, (_, i) => `m${i}`);
    const sent = texts.map((text) => queue.append(message(text)));
    await until(() => store.inFlight === 1);
    store.open();
    await until(() => store.inFlight === 1 && store.commits.length === 2);
    store.open();
    const results = await Promise.all(sent);
    expect(store.commits.map((commit) => commit.length)).toEqual([MAX_BATCH_MESSAGES, 1]);
    expect(results.map((result) => result.message.text)).toEqual(texts);
  });

  it('retries a refused batch one message at a time, so only the failing message fails', async () => {
    const store = new GatedStore();
    store.failing.add('bad');
    const queue = new MessageCommitQueue(store);
    const sent = ['ok1', 'bad', 'ok2'].map((text) =>
      queue.append(message(text)).then(
        (result) => `${result.message.text}@${result.message.seq}`,
        (error: Error) => error.message,
      ),
    );
    for (let commit = 0; commit < 4; commit++) {
      await until(() => store.inFlight === 1);
      store.open();
    }
    expect(await Promise.all(sent)).toEqual(['ok1@1', 'bad bad', 'ok2@2']);
    expect(store.commits).toEqual([['ok1', 'bad', 'ok2'], ['ok1'], ['bad'], ['ok2']]);
  });

  it('drops a message whose sender left before its commit began', async () => {
    const store = new GatedStore();
    const queue = new MessageCommitQueue(store);
    let gone = false;
    const first = queue.append(message('kept'), () => gone);
    await until(() => store.inFlight === 1);
    const dropped = queue.append(message('dropped'), () => gone);
    const other = queue.append(message('other'));
    gone = true;
    store.open();
    await first;
    await expect(dropped).rejects.toBeInstanceOf(SendAbandonedError);
    await until(() => store.inFlight === 1);
    store.open();
    await other;
    expect(store.commits).toEqual([['kept'], ['other']]);
  });
});
