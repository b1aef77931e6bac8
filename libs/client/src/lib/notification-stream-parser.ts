/** One dispatched server-sent event; `event` is `message` when the stream names none. */
export interface ServerSentEvent {
  id: string | undefined;
  event: string;
  data: string;
}

/**
 * The event stream interpretation of WHATWG HTML ("Server-sent events", 9.2.6), fed text in chunks
 * that may split lines anywhere: lines end in CRLF, LF or CR; comments and `retry` are skipped (the
 * client keeps its own backoff); an event is dispatched at a blank line when it has data.
 */
export class ServerSentEventParser {
  private buffer = '';
  private data: string[] = [];
  private event = '';
  private id: string | undefined;
  /** The last chunk ended in CR: an LF starting the next one belongs to that line end. */
  private afterCarriageReturn = false;

  constructor(private readonly dispatch: (event: ServerSentEvent) => void) {}

  push(chunk: string): void {
    let text = chunk;
    if (this.afterCarriageReturn && text.startsWith('\n')) text = text.slice(1);
    this.afterCarriageReturn = text.endsWith('\r');
    this.buffer += text;
    const lines = this.buffer.split(/\r\n|\r|\n/);
    this.buffer = lines.pop() ?? '';
    for (const line of lines) this.line(line);
  }

  private line(line: string): void {
    if (line === '') {
      if (this.data.length)
        this.dispatch({ id: this.id, event: this.event || 'message', data: this.data.join('\n') });
      this.data = [];
      this.event = '';
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'data':
        this.data.push(value);
        return;
      case 'event':
        this.event = value;
        return;
      case 'id':
        if (!value.includes('\0')) this.id = value;
        return;
      default:
        return;
    }
  }
}
