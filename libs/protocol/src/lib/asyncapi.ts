import { z } from 'zod';
import { clientFrame, ClientFrame } from './client-frames';
import { HANDSHAKE_CLOSE_CODES } from './close-codes';
import { JsonSchema, JsonSchemaComponents } from './json-schema-components';
import { PROTOCOL_LIMITS } from './limits';
import { SERVER_FRAME_SCHEMAS } from './server-frame-schemas';

/** Why the gateway closes a WebSocket, by close code: the protocol's part of the AsyncAPI document. */
export const WEBSOCKET_CLOSE_CODES: Readonly<Record<number, string>> = {
  1001: 'the instance is shutting down: reconnect, to any instance',
  1002: 'the client broke the WebSocket protocol',
  1006: 'no close frame (seen by clients): the server terminated a connection that missed a ping',
  1007: 'a text frame that is not valid UTF-8',
  1008: `more than 256 frames were waiting on one connection: send at the pace of the replies`,
  1009: `a frame over ${PROTOCOL_LIMITS.maxFrameBytes / 1024} KiB`,
  1013: 'the connection fell more than 1 MB behind (a slow consumer): reconnect and resume',
  [HANDSHAKE_CLOSE_CODES.unauthorized]:
    'unauthorized: a missing, malformed, badly signed or expired token (sent right after the upgrade)',
  [HANDSHAKE_CLOSE_CODES.forbidden]:
    'forbidden: a browser Origin outside ALLOWED_ORIGINS (sent right after the upgrade)',
};

/** The server frames that answer each client frame (an `error` frame may answer any of them). */
const REPLIES: Record<ClientFrame['type'], string[]> = {
  join: ['JoinedFrame'],
  join_direct: ['JoinedFrame'],
  leave: ['LeftFrame'],
  message: ['AckFrame'],
  ping: ['PongFrame'],
  edit: ['ChangeAckFrame'],
  delete: ['ChangeAckFrame'],
  typing: ['TypingReplyFrame'],
  typing_stop: ['TypingReplyFrame'],
  presence: ['PresenceFrame'],
  read: ['ReadReplyFrame'],
  inbox: ['InboxFrame'],
};

const CHANNEL = 'chat';
const channelRef = { $ref: `#/channels/${CHANNEL}` };
const messageRef = (id: string) => ({ $ref: `#/channels/${CHANNEL}/messages/${id}` });

/** Where a gateway is reached: the document served by one names it as its server. */
export interface AsyncApiServer {
  /** `host[:port]`. */
  host: string;
  protocol: 'ws' | 'wss';
}

/** A schema's component name: every frame schema must have one, or the document would miss it. */
function componentId(schema: z.ZodType): string {
  const id = z.globalRegistry.get(schema)?.id;
  if (id === undefined) throw new Error('every frame schema needs .meta({ id }) to be documented');
  return id;
}

function frameType(payload: JsonSchema): string[] {
  const type = (payload.properties as Record<string, JsonSchema> | undefined)?.type;
  if (typeof type?.const === 'string') return [type.const];
  if (Array.isArray(type?.enum)) return type.enum.filter((value) => typeof value === 'string');
  throw new Error('a frame schema without a `type` discriminant');
}

interface FrameMessage {
  id: string;
  /** The values of the frame's `type` field. */
  types: string[];
  message: JsonSchema;
}

function frameMessages(
  schemas: readonly z.ZodType[],
  components: JsonSchemaComponents,
): FrameMessage[] {
  return schemas.map((schema) => {
    const id = componentId(schema);
    components.schemaOf(schema);
    const types = frameType(components.definition(id) ?? {});
    return {
      id,
      types,
      message: {
        name: id,
        title: types.map((type) => `"type": "${type}"`).join(' or '),
        summary: z.globalRegistry.get(schema)?.description,
        contentType: 'application/json',
        payload: { $ref: `#/components/schemas/${id}` },
      },
    };
  });
}

const PROTOCOL_DESCRIPTION = [
  'Frames are JSON text objects with a `type`, one per WebSocket text message.',
  `A frame over ${PROTOCOL_LIMITS.maxFrameBytes / 1024} KiB closes the socket with 1009.`,
  'Each client frame gets exactly one reply (listed with its operation) or an `error` frame;',
  'everything else the server sends is a broadcast or unasked.',
  '',
  '**Authentication.** A JWT (HS256) as `Authorization: Bearer <token>` or, from a browser, the',
  '`access_token` query parameter: `sub` is the user id, `name` the display name. A missing or bad',
  'token, or a browser `Origin` outside ALLOWED_ORIGINS, completes the upgrade and is closed at once',
  'with 4401 or 4403 (browsers cannot read the HTTP status of a refused upgrade); no frame is handled.',
  '',
  '**Close codes.**',
  '',
  '| code | meaning |',
  '| ---- | ------- |',
  ...Object.entries(WEBSOCKET_CLOSE_CODES).map(([code, meaning]) => `| ${code} | ${meaning} |`),
].join('\n');

/**
 * The AsyncAPI 3.0 document of the WebSocket protocol (`/ws`), generated from the zod schemas that
 * validate client frames and describe server frames: every frame is a named message, each client
 * frame a `send` operation with its reply, each server frame a `receive` operation.
 */
export function asyncApiDocument(): Record<string, unknown> {
  const components = new JsonSchemaComponents('draft-07');
  const sent = frameMessages(clientFrame.options, components);
  const received = frameMessages(SERVER_FRAME_SCHEMAS, components);
  const errorId = received.find(({ types }) => types.includes('error'))?.id;
  const messages = [...sent, ...received];

  const operations: Record<string, unknown> = {};
  for (const { id, types } of sent) {
    const replies = [...REPLIES[types[0] as ClientFrame['type']], ...(errorId ? [errorId] : [])];
    operations[`send${id}`] = {
      action: 'send',
      channel: channelRef,
      summary: `Send \`${types[0]}\``,
      messages: [messageRef(id)],
      reply: { channel: channelRef, messages: replies.map(messageRef) },
    };
  }
  for (const { id } of received) {
    operations[`receive${id}`] = {
      action: 'receive',
      channel: channelRef,
      messages: [messageRef(id)],
    };
  }

  const messageComponents = Object.fromEntries(messages.map(({ id, message }) => [id, message]));
  const document = {
    asyncapi: '3.0.0',
    info: {
      title: 'Switchboard WebSocket protocol',
      version: '1',
      description: PROTOCOL_DESCRIPTION,
    },
    defaultContentType: 'application/json',
    channels: {
      [CHANNEL]: {
        address: '/ws',
        title: 'A chat connection',
        description: 'One connection per client: every room it joins shares it.',
        messages: Object.fromEntries(
          messages.map(({ id }) => [id, { $ref: `#/components/messages/${id}` }]),
        ),
        bindings: {
          ws: {
            method: 'GET',
            query: {
              type: 'object',
              properties: {
                access_token: {
                  type: 'string',
                  description: 'the JWT, for clients that cannot set headers (browsers)',
                },
              },
            },
            headers: {
              type: 'object',
              properties: {
                Authorization: { type: 'string', description: '`Bearer <JWT>`' },
              },
            },
            bindingVersion: '0.1.0',
          },
        },
        'x-close-codes': Object.entries(WEBSOCKET_CLOSE_CODES).map(([code, meaning]) => ({
          code: Number(code),
          meaning,
        })),
      },
    },
    operations,
    components: {
      schemas: {},
      messages: messageComponents,
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: 'HS256; `sub` is the user id, `name` the display name',
        },
        accessToken: {
          type: 'httpApiKey',
          name: 'access_token',
          in: 'query',
          description: 'the same JWT as a query parameter (never logged)',
        },
      },
    },
  };
  document.components.schemas = components.referencedBy(messageComponents);
  return document;
}

/** `document` with `server` as its one server, reached with either of the document's credentials. */
export function withServer(
  document: Record<string, unknown>,
  server: AsyncApiServer,
): Record<string, unknown> {
  return {
    ...document,
    servers: {
      gateway: {
        host: server.host,
        protocol: server.protocol,
        security: [
          { $ref: '#/components/securitySchemes/bearer' },
          { $ref: '#/components/securitySchemes/accessToken' },
        ],
      },
    },
  };
}
