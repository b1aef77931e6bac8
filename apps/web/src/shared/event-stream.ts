/** One server-sent event. */
export interface StreamEvent {
  id?: string;
  event: string;
  data: string;
}

export type StreamState = 'connecting' | 'open' | 'reconnecting' | 'closed';

export interface EventStreamOptions {
  url: string;
  /** Headers of every (re)connection, a fresh token included. */
  headers: () => Promise<Record<string, string>>;
  onEvent: (event: StreamEvent) => void;
  onState?: (state: StreamState) => void;
  /** The id to resume after on the first connection (later ones resume after the last event seen). */
  lastEventId?: string;
}

const FIRST_RETRY_MS = 500;
const LONGEST_RETRY_MS = 10_000;

/**
 * Follows a `text/event-stream` over fetch (EventSource cannot send `Authorization` or `X-Api-Key`),
 * resuming with `Last-Event-ID` after every drop, with backoff. Returns a function that stops it.
 */
export function followEventStream(options: EventStreamOptions): () => void {
  const controller = new AbortController();
  let lastEventId = options.lastEventId;
  let retryMs = FIRST_RETRY_MS;

  const run = async (): Promise<void> => {
    for (let attempt = 0; !controller.signal.aborted; attempt += 1) {
      options.onState?.(attempt === 0 ? 'connecting' : 'reconnecting');
      try {
        const headers = {
          Accept: 'text/event-stream',
          ...(await options.headers()),
          ...(lastEventId ? { 'Last-Event-ID': lastEventId } : {}),
        };
        const response = await fetch(options.url, { headers, signal: controller.signal });
        if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`);
        options.onState?.('open');
        retryMs = FIRST_RETRY_MS;
        await readEvents(response.body, (event) => {
          if (event.id !== undefined) lastEventId = event.id;
          options.onEvent(event);
        });
      } catch {
        // Dropped or refused: the next attempt resumes after the last event seen.
      }
      if (controller.signal.aborted) break;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * retryMs));
      retryMs = Math.min(retryMs * 2, LONGEST_RETRY_MS);
    }
    options.onState?.('closed');
  };
  void run();
  return () => controller.abort();
}

/** Parses `data`, `event` and `id` fields, comments and blank-line dispatch of an event stream. */
export async function readEvents(
  body: ReadableStream<Uint8Array>,
  onEvent: (event: StreamEvent) => void,
): Promise<void> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let data: string[] = [];
  let event = 'message';
  let id: string | undefined;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    const lines = buffer.split(/\r\n|\r|\n/);
    buffer = lines.pop() ?? '';
    for (const line of lines) {
      if (line === '') {
        if (data.length > 0) onEvent({ id, event, data: data.join('\n') });
        data = [];
        event = 'message';
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon === -1 ? line : line.slice(0, colon);
      const text = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'data') data.push(text);
      else if (field === 'event') event = text;
      else if (field === 'id') id = text;
    }
  }
}
