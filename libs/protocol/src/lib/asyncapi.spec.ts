import { DiagnosticSeverity, Parser } from '@asyncapi/parser';
import { asyncApiDocument, WEBSOCKET_CLOSE_CODES, withServer } from './asyncapi';
import { clientFrame } from './client-frames';
import { referencesIn } from './json-schema-components';
import type { ServerFrame } from './server-frames';

/** Every server frame type, listed apart from the schemas: `satisfies` fails to compile on a missing one. */
const SERVER_FRAME_TYPES = Object.keys({
  joined: true,
  left: true,
  user_joined: true,
  user_left: true,
  ack: true,
  message: true,
  pong: true,
  error: true,
  read: true,
  inbox: true,
  typing: true,
  typing_stopped: true,
  message_edited: true,
  message_deleted: true,
  change_ack: true,
  presence: true,
  status: true,
  unread: true,
} satisfies Record<ServerFrame['type'], true>);

const CLIENT_FRAME_TYPES = clientFrame.options.map((option) => option.shape.type.value);

type Json = Record<string, unknown>;

/** What a local `$ref` (`#/a/b/c`) points at in `document`, or undefined. */
function resolve(document: Json, ref: string): unknown {
  return ref
    .slice(2)
    .split('/')
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce<unknown>((node, key) => (node as Json | undefined)?.[key], document);
}

describe('the AsyncAPI document of the WebSocket protocol', () => {
  const document = withServer(asyncApiDocument(), {
    host: 'gateway.example:3001',
    protocol: 'wss',
  });
  const components = document.components as {
    messages: Record<string, { payload: { $ref: string } }>;
    schemas: Record<string, Json>;
  };
  const operations = document.operations as Record<
    string,
    { action: string; messages: { $ref: string }[]; reply?: { messages: { $ref: string }[] } }
  >;

  /** The `type` values of a message's payload. */
  function typesOf(messageId: string): string[] {
    const ref = components.messages[messageId].payload.$ref;
    const schema = components.schemas[ref.replace('#/components/schemas/', '')];
    const type = (schema.properties as Record<string, { const?: string; enum?: string[] }>).type;
    return type.const !== undefined ? [type.const] : (type.enum ?? []);
  }

  function messagesOf(action: 'send' | 'receive'): string[] {
    return Object.values(operations)
      .filter((operation) => operation.action === action)
      .flatMap((operation) => operation.messages.map(({ $ref }) => $ref.split('/').pop()!));
  }

  it('is a valid AsyncAPI 3.0 document: no error or warning from @asyncapi/parser', async () => {
    const { document: parsed, diagnostics } = await new Parser().parse(JSON.stringify(document));
    // Errors and warnings; hints (such as "3.1.0 exists") are not problems of the document.
    const problems = diagnostics.filter(
      ({ severity }) => Number(severity) <= Number(DiagnosticSeverity.Warning),
    );
    expect(problems.map(({ message, path }) => `${path.join('.')}: ${message}`)).toEqual([]);
    expect(parsed?.version()).toBe('3.0.0');
    expect(parsed?.channels().get('chat')?.address()).toBe('/ws');
  });

  it('has one send operation per client frame type, each a named message with its reply', () => {
    const sent = messagesOf('send');
    expect(sent.flatMap(typesOf).sort()).toEqual([...CLIENT_FRAME_TYPES].sort());
    for (const operation of Object.values(operations).filter(({ action }) => action === 'send')) {
      expect(operation.reply?.messages.map(({ $ref }) => $ref.split('/').pop())).toContain(
        'ErrorFrame',
      );
    }
    expect(sent).toEqual(expect.arrayContaining(['JoinFrame', 'MessageFrame', 'PingFrame']));
  });

  it('has a receive operation for every server frame type', () => {
    const receivedTypes = new Set(messagesOf('receive').flatMap(typesOf));
    expect([...receivedTypes].sort()).toEqual([...SERVER_FRAME_TYPES].sort());
    // The two shapes of `read` (a receipt has a user, a reply has not) are two messages.
    expect(messagesOf('receive')).toEqual(
      expect.arrayContaining(['ReadReceiptFrame', 'ReadReplyFrame', 'TypingReplyFrame']),
    );
  });

  it('describes payloads with the validating schemas: strict client frames, limits, refs that resolve', () => {
    const join = components.schemas.JoinFrame;
    expect(join).toMatchObject({
      additionalProperties: false,
      required: expect.arrayContaining(['type', 'room']),
    });
    expect(JSON.stringify(join)).toContain('A-Za-z0-9_.:-');
    expect(join).toMatchObject({
      properties: { watch: { type: 'boolean', description: expect.stringContaining('presence') } },
    });
    for (const ref of referencesIn(document)) {
      expect({ ref, resolves: resolve(document, ref) !== undefined }).toEqual({
        ref,
        resolves: true,
      });
    }
  });

  it('describes authentication and every close code, the handshake refusals included', () => {
    const channel = (document.channels as Record<string, Json>).chat;
    const closeCodes = (channel['x-close-codes'] as { code: number }[]).map(({ code }) => code);
    expect(closeCodes).toEqual(expect.arrayContaining([1001, 1008, 1009, 1013, 4401, 4403]));
    expect(String((document.info as Json).description)).toContain('| 4401 |');
    expect(Object.keys(WEBSOCKET_CLOSE_CODES).map(Number)).toEqual(closeCodes);
    expect(Object.keys((document.components as { securitySchemes: Json }).securitySchemes)).toEqual(
      ['bearer', 'accessToken'],
    );
    expect(document.servers).toMatchObject({
      gateway: { host: 'gateway.example:3001', protocol: 'wss' },
    });
  });
});
