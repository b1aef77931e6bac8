/**
 * Server-sent events framing (WHATWG HTML, "Server-sent events"): UTF-8 lines, a blank line ends an
 * event, one `data:` line per line of the value (never a raw CR or LF inside a field).
 */
const LINE_BREAK = /\r\n|\r|\n/;

export function formatSseEvent(event: { id?: string; event?: string; data: string }): string {
  let frame = '';
  if (event.id !== undefined) frame += `id: ${singleLine('id', event.id)}\n`;
  if (event.event !== undefined) frame += `event: ${singleLine('event', event.event)}\n`;
  for (const line of event.data.split(LINE_BREAK)) frame += `data: ${line}\n`;
  return frame + '\n';
}

/** A comment line: ignored by EventSource, keeps proxies from closing an idle stream. */
export function formatSseComment(text: string): string {
  return text
    .split(LINE_BREAK)
    .map((line) => `: ${line}\n`)
    .join('')
    .concat('\n');
}

/** The reconnection delay the browser should use; digits only. */
export function formatSseRetry(milliseconds: number): string {
  if (!Number.isInteger(milliseconds) || milliseconds < 0)
    throw new RangeError('retry must be a whole number of milliseconds');
  return `retry: ${milliseconds}\n\n`;
}

function singleLine(field: string, value: string): string {
  // An id with NUL is ignored by browsers; a line break would end the field early.
  if (LINE_BREAK.test(value) || value.includes('\0'))
    throw new RangeError(`SSE ${field} must be one line without NUL`);
  return value;
}
