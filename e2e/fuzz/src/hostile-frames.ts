import { PROTOCOL_LIMITS } from '@switchboard/protocol';
import fc from 'fast-check';

/** Rooms the generated frames use, so that connections share rooms and broadcasts cross them. */
export const FUZZ_ROOMS = ['lobby', 'fuzz-a', 'a.b:c-d_e', 'R'.repeat(64)] as const;

/** What a frame was generated to probe; only for the figures. */
export type FrameFamily =
  | 'valid'
  | 'wrong-type'
  | 'extra-field'
  | 'prototype-key'
  | 'odd-unicode'
  | 'nesting'
  | 'number'
  | 'near-limit'
  | 'not-json'
  | 'binary'
  | 'burst'
  | 'changes'
  | 'reads';

/** A frame that the gateway must answer with exactly one reply. */
export type HostileFrame =
  | { kind: 'text'; family: FrameFamily; text: string }
  /** The text's UTF-8 bytes cut into fragments at `cuts` (byte offsets), a ping between them if asked. */
  | { kind: 'fragmented'; family: FrameFamily; text: string; cuts: number[]; pingBetween: boolean }
  | { kind: 'binary'; family: 'binary'; bytes: Uint8Array; cuts: number[] };

/** A frame after which the gateway closes the connection with a documented code. */
export type ClosingFrame =
  /** Over 64 KiB in total (in `fragments` pieces): 1009. */
  | { kind: 'oversized'; binary: boolean; bytes: number; fragments: number }
  /** A text frame whose bytes are not UTF-8: 1007. */
  | { kind: 'invalid-utf8'; bytes: Uint8Array; cuts: number[] }
  /** The same frame `count` times at once: 1008 if they pile up past 256, else each answered. */
  | { kind: 'flood'; text: string; count: number };

/** What one connection sends: frames, then perhaps one that ends it. */
export interface FrameBatch {
  frames: HostileFrame[];
  closing: ClosingFrame | null;
}

// JSON is written by hand, so that keys such as `__proto__`, duplicate keys and number tokens
// JSON.stringify cannot produce (`1e400`, `-0`, `1E2`) reach the wire exactly as generated.
type Json = null | boolean | number | string | RawJson | Json[] | JsonObject;
class RawJson {
  constructor(readonly text: string) {}
}
class JsonObject {
  constructor(readonly entries: readonly (readonly [string, Json])[]) {}
}

function writeJson(value: Json): string {
  if (value instanceof RawJson) return value.text;
  if (value instanceof JsonObject) {
    return `{${value.entries.map(([key, entry]) => `${JSON.stringify(key)}:${writeJson(entry)}`).join(',')}}`;
  }
  if (Array.isArray(value)) return `[${value.map(writeJson).join(',')}]`;
  return JSON.stringify(value);
}

const object = (...entries: (readonly [string, Json] | null)[]) =>
  new JsonObject(entries.filter((entry) => entry !== null));

// Strings --------------------------------------------------------------------------------------

/** Valid Unicode that is easy to mishandle: direction marks, zero-width, astral, noncharacters. */
const ODD_BUT_VALID = [
  '\u202e', // right-to-left override
  '\u200f', // right-to-left mark
  '\u200b', // zero-width space
  '\u200d', // zero-width joiner
  '\ufeff', // byte order mark
  '\u2028', // line separator (not escaped by JSON.stringify)
  '\u2029',
  '\ufffd', // the replacement character itself
  '\uffff', // noncharacters
  '\ufffe',
  '\u0301', // a combining mark with nothing to combine with
  '\u{1f469}\u200d\u{1f469}\u200d\u{1f467}', // a ZWJ sequence
  '\u{1d54f}', // astral letter
  '\u{10ffff}', // the last code point
  '\u0085', // NEL, a C1 control (allowed: only C0 and DEL are refused)
  '"',
  '\\',
  '</script><b>',
  '\n',
  '\t',
  'ﷺ',
  'İ',
];
/** Characters the protocol refuses in text: C0 controls other than newline and tab, and DEL. */
const REFUSED_CONTROLS = ['\u0000', '\u0007', '\u001b', '\r', '\u000b', '\u001f', '\u007f'];

const loneSurrogate = fc
  .integer({ min: 0xd800, max: 0xdfff })
  .map((code) => String.fromCharCode(code));

const storableUnit = fc.oneof(
  { weight: 6, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }) },
  { weight: 3, arbitrary: fc.constantFrom(...ODD_BUT_VALID) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
);
const hostileUnit = fc.oneof(
  { weight: 4, arbitrary: storableUnit },
  { weight: 1, arbitrary: fc.constantFrom(...REFUSED_CONTROLS) },
  { weight: 1, arbitrary: loneSurrogate },
);

/** Text the protocol accepts (unless a binary unit happens to be a refused control). */
const storableText = fc.string({ unit: storableUnit, minLength: 1, maxLength: 40 });
/** Text with refused controls and lone surrogates mixed in (escaped as \uXXXX in the JSON). */
const hostileText = fc.string({ unit: hostileUnit, minLength: 1, maxLength: 40 });

/** Exactly `length` UTF-16 units of a repeated unit: 3,999 to 4,001 sits on the text limit. */
const textOfLength = fc
  .tuple(
    fc.constantFrom('x', 'é', '\u{1f600}', '\u2028', '\u0301', '\u200b'),
    fc.constantFrom(
      PROTOCOL_LIMITS.maxTextLength - 1,
      PROTOCOL_LIMITS.maxTextLength,
      PROTOCOL_LIMITS.maxTextLength + 1,
      PROTOCOL_LIMITS.maxTextLength * 2,
    ),
  )
  // Cutting astral characters at an odd length leaves a lone surrogate at the end, on purpose.
  .map(([unit, length]) => unit.repeat(Math.ceil(length / unit.length)).slice(0, length));

const messageText = fc.oneof(
  { weight: 12, arbitrary: storableText },
  { weight: 4, arbitrary: hostileText },
  { weight: 1, arbitrary: textOfLength },
);

const clientMsgId = fc.oneof(
  { weight: 10, arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 16 }) },
  { weight: 3, arbitrary: fc.string({ unit: storableUnit, minLength: 1, maxLength: 8 }) },
  { weight: 2, arbitrary: fc.string({ unit: hostileUnit, minLength: 1, maxLength: 8 }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '',
      'i'.repeat(PROTOCOL_LIMITS.maxClientMsgIdLength),
      'i'.repeat(PROTOCOL_LIMITS.maxClientMsgIdLength + 1),
      '\u{1f600}'.repeat(PROTOCOL_LIMITS.maxClientMsgIdLength / 2),
      '__proto__',
      'constructor',
    ),
  },
);

// Values of the wrong type, numbers, nesting -----------------------------------------------------

/** Numbers as written on the wire, including what JSON.parse turns into Infinity or -0. */
const numberToken = fc.oneof(
  fc.integer({ min: -5, max: 200 }).map((n) => new RawJson(String(n))),
  fc.constantFrom(
    ...[
      '-0',
      '0.0',
      '1.0',
      '1E2',
      '1.5',
      '-1',
      '9007199254740991',
      '9007199254740992',
      '9007199254740993',
      '1e20',
      '1e308',
      '1e400',
      '-1e400',
      '5e-324',
      '0.1e1',
      '123456789012345678901234567890',
    ].map((token) => new RawJson(token)),
  ),
  fc.double().map((n) => new RawJson(Number.isFinite(n) ? String(n) : '1e999')),
);

/** Arrays or objects nested `depth` deep (up to about 40 KB of frame). */
const deepNesting = fc
  .tuple(fc.constantFrom('array', 'object'), fc.integer({ min: 1, max: 12_000 }))
  .map(([shape, depth]) =>
    shape === 'array'
      ? new RawJson('['.repeat(depth) + ']'.repeat(depth))
      : new RawJson('{"a":'.repeat(Math.ceil(depth / 3)) + '1' + '}'.repeat(Math.ceil(depth / 3))),
  );

const wrongTypedValue: fc.Arbitrary<Json> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  numberToken,
  fc.constantFrom<Json>([], ['lobby'], object(), object(['room', 'lobby'])),
  deepNesting,
);

const anyValue: fc.Arbitrary<Json> = fc.oneof(
  { weight: 3, arbitrary: wrongTypedValue },
  { weight: 2, arbitrary: fc.string({ unit: hostileUnit, maxLength: 10 }) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((value) => value as Json) },
);

const room: fc.Arbitrary<Json> = fc.oneof(
  { weight: 12, arbitrary: fc.constantFrom(...FUZZ_ROOMS) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '',
      'R'.repeat(65),
      'bad room',
      'lobby\u200b',
      'lоbby', // Cyrillic o
      'lobby\u0000',
      '__proto__',
      '../lobby',
      'lobby\n',
      // Well formed, but direct rooms nobody opened: refused as forbidden, not as not_joined.
      'dm:nobody',
      `dm:${'a'.repeat(43)}`,
    ),
  },
  { weight: 1, arbitrary: wrongTypedValue },
);

const since: fc.Arbitrary<Json> = fc.oneof(
  { weight: 4, arbitrary: fc.nat({ max: 100 }) },
  { weight: 3, arbitrary: numberToken },
  { weight: 1, arbitrary: fc.constantFrom<Json>('3', null, true, [1]) },
);

/** Every client frame type the README's table lists. */
export const CLIENT_FRAME_TYPES = [
  'join',
  'leave',
  'message',
  'ping',
  'join_direct',
  'edit',
  'delete',
  'typing',
  'typing_stop',
  'presence',
  'read',
  'inbox',
] as const;

const frameType: fc.Arbitrary<Json> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...CLIENT_FRAME_TYPES) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      'PING',
      'ping ',
      'pi\u200bng',
      '',
      'joined',
      'ack',
      'error',
      'change_ack',
      'typing_stopped',
      'message_edited',
      'unread',
      'status',
      'Inbox',
      'join-direct',
      '__proto__',
      'constructor',
      'toString',
      'hasOwnProperty',
      'valueOf',
      'message\u0000',
    ),
  },
  { weight: 1, arbitrary: wrongTypedValue },
);

// Placeholders, filled in when the frame is sent (resolveFrameText): the connection's user id, and
// messages known only once earlier replies are in (this connection's own, or other users').
/** The connection's own user id. */
export const SELF = '@self@';
/** Which stored message an `edit` or `delete` names: the kth own or other's one, or an id past them. */
type MessageRef = `${'own' | 'other' | 'near'}:${number}`;
const REF_PATTERN = /@(id|room):(own|other|near):(\d+)@/g;

/** Ids a `join_direct` and `presence` may name: never a fuzzed connection's (they start `fuzz-`). */
const PEERS = ['peer-1', 'peer-\u00fc', '\u{1f600}', 'p'.repeat(PROTOCOL_LIMITS.maxUserIdLength)];
const userIdValue: fc.Arbitrary<Json> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...PEERS) },
  { weight: 2, arbitrary: fc.constant(SELF) },
  {
    weight: 2,
    arbitrary: fc.constantFrom<Json>(
      '',
      'p'.repeat(PROTOCOL_LIMITS.maxUserIdLength + 1),
      'peer\u0000',
      'peer\n',
      'peer\u007f',
      '\ud800',
      ' ',
    ),
  },
  { weight: 1, arbitrary: wrongTypedValue },
);

const booleanField: fc.Arbitrary<Json> = fc.oneof(
  { weight: 4, arbitrary: fc.boolean() },
  { weight: 1, arbitrary: fc.constantFrom<Json>('true', 1, 0, null, [true]) },
);

/** `read`'s seq: a whole number up to 2^53 - 1, and numbers that are not. */
const readSeq: fc.Arbitrary<Json> = fc.oneof(
  { weight: 4, arbitrary: fc.nat({ max: 200 }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      new RawJson(String(Number.MAX_SAFE_INTEGER)),
      new RawJson(String(Number.MAX_SAFE_INTEGER + 1)),
    ),
  },
  { weight: 2, arbitrary: numberToken },
  { weight: 1, arbitrary: fc.constantFrom<Json>('3', null, true, [1]) },
);

const presenceUsers: fc.Arbitrary<Json> = fc.oneof(
  { weight: 6, arbitrary: fc.array(userIdValue, { maxLength: 6 }) },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom(
        PROTOCOL_LIMITS.maxPresenceUsers - 1,
        PROTOCOL_LIMITS.maxPresenceUsers,
        PROTOCOL_LIMITS.maxPresenceUsers + 1,
      )
      .map((count) => Array.from({ length: count }, (_, n) => PEERS[n % PEERS.length])),
  },
  { weight: 1, arbitrary: wrongTypedValue },
);

const messageRef = fc
  .tuple(fc.constantFrom('own', 'own', 'other', 'near'), fc.nat({ max: 40 }))
  .map(([whose, n]): MessageRef => `${whose}:${n}`);

/** A message id as the wire carries it: a reference to a stored message, or a string that is not one. */
const messageIdValue: fc.Arbitrary<Json> = fc.oneof(
  { weight: 8, arbitrary: messageRef.map((ref) => `@id:${ref}@`) },
  {
    weight: 2,
    arbitrary: fc.constantFrom<Json>(
      '0',
      '007',
      '9000000000000000000',
      '9223372036854775807',
      '9223372036854775808',
      '99999999999999999999',
      '-1',
      '1.5',
      '1e3',
      ' 1',
      '\uff11',
      '',
      new RawJson('1'),
    ),
  },
  { weight: 1, arbitrary: wrongTypedValue },
);

/** Keys that mean something to JavaScript objects, and keys the frames do not have. */
const extraKey = fc.oneof(
  fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty'),
  fc.constantFrom('html', 'user', 'id', 'seq', 'ts', 'Type', 'room ', 'since', 'text', 'type'),
  fc.string({ unit: hostileUnit, maxLength: 6 }),
);

// Frames ---------------------------------------------------------------------------------------

type Entry = readonly [string, Json];
const maybe = (entry: fc.Arbitrary<Entry>, weight = 3) =>
  fc.oneof({ weight, arbitrary: entry }, { weight: 1, arbitrary: fc.constant(null) });

const validJoin = fc
  .tuple(
    fc.constantFrom(...FUZZ_ROOMS),
    fc.option(fc.nat({ max: 100 }), { nil: undefined }),
    fc.option(fc.boolean(), { nil: undefined, freq: 3 }),
  )
  .map(([joined, from, watch]) =>
    object(
      ['type', 'join'],
      ['room', joined],
      from === undefined ? null : ['since', from],
      watch === undefined ? null : ['watch', watch],
    ),
  );
const validMessage = fc
  .tuple(fc.constantFrom(...FUZZ_ROOMS), storableText, fc.option(clientMsgId, { nil: undefined }))
  .map(([target, text, id]) =>
    object(
      ['type', 'message'],
      ['room', target],
      ['text', text],
      id === undefined ? null : ['clientMsgId', id],
    ),
  );
/** An edit or delete of a stored message, in its own room (mostly) or another one. */
const validChange = fc
  .tuple(
    fc.constantFrom('edit', 'delete'),
    messageRef,
    fc.option(fc.constantFrom(...FUZZ_ROOMS), { nil: undefined, freq: 4 }),
    storableText,
  )
  .map(([action, ref, elsewhere, text]) =>
    object(
      ['type', action],
      ['room', elsewhere ?? `@room:${ref}@`],
      ['id', `@id:${ref}@`],
      action === 'edit' ? ['text', text] : null,
    ),
  );
const anyRoom = fc.constantFrom(...FUZZ_ROOMS);
const validFrame = fc.oneof(
  { weight: 3, arbitrary: validJoin },
  {
    weight: 1,
    arbitrary: fc
      .tuple(anyRoom, fc.option(fc.boolean(), { nil: undefined, freq: 3 }))
      .map(([r, forget]) =>
        object(['type', 'leave'], ['room', r], forget === undefined ? null : ['forget', forget]),
      ),
  },
  { weight: 6, arbitrary: validMessage },
  { weight: 1, arbitrary: fc.constant(object(['type', 'ping'])) },
  { weight: 3, arbitrary: validChange },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom(...PEERS)
      .map((user) => object(['type', 'join_direct'], ['user', user])),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom('typing', 'typing_stop'), anyRoom)
      .map(([type, r]) => object(['type', type], ['room', r])),
  },
  {
    weight: 1,
    arbitrary: fc
      .array(fc.constantFrom(SELF, ...PEERS), { maxLength: 4 })
      .map((users) => object(['type', 'presence'], ['users', users])),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(anyRoom, fc.nat({ max: 200 }))
      .map(([r, seq]) => object(['type', 'read'], ['room', r], ['seq', seq])),
  },
  { weight: 1, arbitrary: fc.constant(object(['type', 'inbox'])) },
);

/** The fields each frame type has, each generated valid or hostile. */
const FIELDS: Record<(typeof CLIENT_FRAME_TYPES)[number], [string, fc.Arbitrary<Json>][]> = {
  join: [
    ['room', room],
    ['since', since],
    ['watch', booleanField],
  ],
  leave: [
    ['room', room],
    ['forget', booleanField],
  ],
  message: [
    ['room', room],
    ['text', messageText],
    ['clientMsgId', clientMsgId],
  ],
  ping: [],
  join_direct: [['user', userIdValue]],
  edit: [
    ['room', room],
    ['id', messageIdValue],
    ['text', messageText],
  ],
  delete: [
    ['room', room],
    ['id', messageIdValue],
  ],
  typing: [['room', room]],
  typing_stop: [['room', room]],
  presence: [['users', presenceUsers]],
  read: [
    ['room', room],
    ['seq', readSeq],
  ],
  inbox: [],
};
const ANY_FIELD: [string, fc.Arbitrary<Json>][] = Object.values(FIELDS).flat();

/**
 * A frame of one type with each of its fields generated valid, hostile or missing, sometimes with
 * another type's field added, or a field of its own under a wrong type.
 */
const mixedFrame = fc
  .tuple(frameType, fc.constantFrom(...CLIENT_FRAME_TYPES), fc.nat())
  .chain(([type, shape, pick]) => {
    const fields = FIELDS[shape];
    const stranger = ANY_FIELD[pick % ANY_FIELD.length];
    return fc
      .tuple(
        ...fields.map(([key, value]) => maybe(value.map((v) => [key, v] as const))),
        maybe(
          stranger[1].map((v) => [stranger[0], v] as const),
          1,
        ).map((entry) => (pick % 4 === 0 ? entry : null)),
      )
      .map((entries) =>
        object(['type', typeof type === 'string' && pick % 3 ? shape : type], ...entries),
      );
  });

const withExtraFields = fc
  .tuple(validFrame, fc.array(fc.tuple(extraKey, anyValue), { minLength: 1, maxLength: 3 }))
  .map(([frame, extras]) => new JsonObject([...frame.entries, ...extras]));

const prototypeFrame = fc.constantFrom(
  '{"__proto__":{"type":"ping"}}',
  '{"type":"ping","__proto__":null}',
  '{"type":"ping","__proto__":{"type":"join"}}',
  '{"constructor":{"prototype":{"type":"ping"}}}',
  '{"type":"join","room":"lobby","__proto__":{"since":5}}',
  '{"type":"message","room":"lobby","text":"x","constructor":{"name":"Object"}}',
  '{"type":"__proto__"}',
  '{"type":"constructor","room":"lobby"}',
  '{"type":"ping","type":"join","room":"lobby"}',
  '{"\\u0074ype":"ping"}',
  '{"type":"pi\\u006eg"}',
);

const notJson = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.constantFrom(
    '',
    ' ',
    '{',
    '}',
    'null',
    '[]',
    '"ping"',
    '{"type":"ping"',
    '{"type":"ping"}}',
    '{"type":"ping"}\n',
    '  {"type":"ping"}  ',
    '\ufeff{"type":"ping"}',
    "{'type':'ping'}",
    '{"type":"ping",}',
    '{type:"ping"}',
    'NaN',
    '{"type":"join","room":"lobby","since":NaN}',
    '{"type":"join","room":"lobby","since":Infinity}',
  ),
  fc.jsonValue({ maxDepth: 2 }).map((value) => JSON.stringify(value)),
  deepNesting.map((value) => value.text),
  deepNesting.map((value) => value.text.slice(0, -1)),
);

/** Frames of exactly `bytes` bytes, at and just under the 64 KiB frame limit. */
const nearFrameLimit = fc
  .tuple(
    fc.constantFrom(PROTOCOL_LIMITS.maxFrameBytes - 1, PROTOCOL_LIMITS.maxFrameBytes),
    fc.constantFrom('message', 'ping', 'garbage'),
  )
  .map(([bytes, shape]) => paddedFrame(shape, bytes));

/** A text frame of exactly `bytes` bytes (ASCII padding). */
export function paddedFrame(shape: 'message' | 'ping' | 'garbage', bytes: number): string {
  const head =
    shape === 'message'
      ? '{"type":"message","room":"lobby","text":"'
      : shape === 'ping'
        ? '{"type":"ping","pad":"'
        : '';
  const tail = shape === 'garbage' ? '' : '"}';
  return head + 'x'.repeat(bytes - head.length - tail.length) + tail;
}

const textFrame = fc.oneof(
  { weight: 14, arbitrary: validFrame.map(writeJson).map(as('valid')) },
  { weight: 8, arbitrary: mixedFrame.map(writeJson).map(as('wrong-type')) },
  { weight: 2, arbitrary: withExtraFields.map(writeJson).map(as('extra-field')) },
  { weight: 1, arbitrary: prototypeFrame.map(as('prototype-key')) },
  {
    weight: 3,
    arbitrary: fc
      .tuple(
        fc.constantFrom(...FUZZ_ROOMS),
        hostileText,
        fc.option(clientMsgId, { nil: undefined }),
      )
      .map(([target, text, id]) =>
        writeJson(
          object(
            ['type', 'message'],
            ['room', target],
            ['text', text],
            id === undefined ? null : ['clientMsgId', id],
          ),
        ),
      )
      .map(as('odd-unicode')),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom('text', 'room', 'since', 'extra'), deepNesting)
      .map(([field, nested]) =>
        writeJson(
          field === 'extra'
            ? object(['type', 'ping'], ['x', nested])
            : object(
                ['type', field === 'since' ? 'join' : 'message'],
                ['room', 'lobby'],
                [field, nested],
              ),
        ),
      )
      .map(as('nesting')),
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.constantFrom(...FUZZ_ROOMS), numberToken)
      .map(([target, n]) => writeJson(object(['type', 'join'], ['room', target], ['since', n])))
      .map(as('number')),
  },
  { weight: 1, arbitrary: nearFrameLimit.map(as('near-limit')) },
  {
    weight: 1,
    arbitrary: textOfLength
      .map((text) => writeJson(object(['type', 'message'], ['room', 'lobby'], ['text', text])))
      .map(as('near-limit')),
  },
  { weight: 3, arbitrary: notJson.map(as('not-json')) },
);

function as(family: FrameFamily) {
  return (text: string) => ({ family, text });
}

const cuts = (maxCuts: number) => fc.array(fc.nat(), { minLength: 1, maxLength: maxCuts });

export const hostileFrame: fc.Arbitrary<HostileFrame> = fc.oneof(
  {
    weight: 14,
    arbitrary: textFrame.map(({ family, text }) => ({ kind: 'text' as const, family, text })),
  },
  {
    weight: 3,
    arbitrary: fc
      .tuple(textFrame, cuts(4), fc.boolean())
      .map(([{ family, text }, at, pingBetween]) => ({
        kind: 'fragmented' as const,
        family,
        text,
        cuts: at,
        pingBetween,
      })),
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(
        fc.oneof(
          fc.uint8Array({ maxLength: 64 }),
          validFrame.map((frame) => new Uint8Array(Buffer.from(writeJson(frame)))),
        ),
        fc.oneof(fc.constant<number[]>([]), cuts(3)),
      )
      .map(([bytes, at]) => ({
        kind: 'binary' as const,
        family: 'binary' as const,
        bytes,
        cuts: at,
      })),
  },
);

/** Byte sequences that are not UTF-8: stray continuation, overlong, CESU surrogate, past U+10FFFF, truncated. */
const INVALID_UTF8 = [
  [0x80],
  [0xff],
  [0xc0, 0x80],
  [0xed, 0xa0, 0x80],
  [0xf4, 0x90, 0x80, 0x80],
  [0xe2, 0x82],
];

const closingFrame: fc.Arbitrary<ClosingFrame> = fc.oneof(
  fc
    .tuple(
      fc.boolean(),
      fc.oneof(
        fc.constant(PROTOCOL_LIMITS.maxFrameBytes + 1),
        fc.integer({
          min: PROTOCOL_LIMITS.maxFrameBytes + 1,
          max: 4 * PROTOCOL_LIMITS.maxFrameBytes,
        }),
      ),
      fc.integer({ min: 1, max: 4 }),
    )
    .map(([binary, bytes, fragments]) => ({
      kind: 'oversized' as const,
      binary,
      bytes,
      fragments,
    })),
  fc
    .tuple(
      validMessage,
      fc.constantFrom(...INVALID_UTF8),
      fc.nat(),
      fc.oneof(fc.constant<number[]>([]), cuts(3)),
    )
    .map(([frame, invalid, at, fragmentCuts]) => {
      const text = Buffer.from(writeJson(frame));
      // Inside the frame, never before its first byte, so the JSON around it stays intact otherwise.
      const position = 1 + (at % text.length);
      return {
        kind: 'invalid-utf8' as const,
        bytes: new Uint8Array(
          Buffer.concat([
            text.subarray(0, position),
            Buffer.from(invalid),
            text.subarray(position),
          ]),
        ),
        cuts: fragmentCuts,
      };
    }),
  fc
    .tuple(fc.constantFrom(...FUZZ_ROOMS), fc.integer({ min: 300, max: 1000 }))
    .map(([target, count]) => ({
      kind: 'flood' as const,
      text: writeJson(object(['type', 'join'], ['room', target])),
      count,
    })),
);

/**
 * Joins of some of the rooms first, so that generated messages to them are storable. Not shrunk:
 * a counterexample keeps its joins, and so stays about the message that failed, not about `not_joined`.
 */
const openingJoins = fc.noShrink(fc.subarray([...FUZZ_ROOMS])).map((rooms) =>
  rooms.map((joined): HostileFrame => ({
    kind: 'text',
    family: 'valid',
    text: writeJson(object(['type', 'join'], ['room', joined])),
  })),
);

/** Past the rate limit's burst (20): a join and 30 sends at once, some of them refused as rate_limited. */
const burst = fc
  .tuple(
    fc.constantFrom(...FUZZ_ROOMS),
    fc.array(storableText, { minLength: 30, maxLength: 30 }),
    fc.boolean(),
  )
  .map(([target, texts, withIds]) => [
    {
      kind: 'text' as const,
      family: 'burst' as const,
      text: writeJson(object(['type', 'join'], ['room', target])),
    },
    ...texts.map((text, n) => ({
      kind: 'text' as const,
      family: 'burst' as const,
      text: writeJson(
        object(
          ['type', 'message'],
          ['room', target],
          ['text', text],
          withIds ? ['clientMsgId', `burst-${n}`] : null,
        ),
      ),
    })),
  ]);

/**
 * A message, then changes of it: an edit, a delete, the delete again (answered with the first's seq)
 * and an edit of the deleted message (not_found). Each waits for the replies before it.
 */
const changes = fc
  .tuple(fc.constantFrom(...FUZZ_ROOMS), storableText, storableText)
  .map(([target, text, edited]) =>
    [
      object(['type', 'join'], ['room', target]),
      object(['type', 'message'], ['room', target], ['text', text]),
      object(['type', 'edit'], ['room', '@room:own:0@'], ['id', '@id:own:0@'], ['text', edited]),
      object(['type', 'delete'], ['room', '@room:own:0@'], ['id', '@id:own:0@']),
      object(['type', 'delete'], ['room', '@room:own:0@'], ['id', '@id:own:0@']),
      object(['type', 'edit'], ['room', '@room:own:0@'], ['id', '@id:own:0@'], ['text', edited]),
    ].map((frame): HostileFrame => ({ kind: 'text', family: 'changes', text: writeJson(frame) })),
  );

/** Reads past the room's end (clamped to its last seq), then back to 0 (changes nothing). */
const reads = fc
  .tuple(fc.constantFrom(...FUZZ_ROOMS), fc.boolean())
  .map(([target, joined]) =>
    [
      joined ? object(['type', 'join'], ['room', target]) : null,
      object(['type', 'read'], ['room', target], ['seq', Number.MAX_SAFE_INTEGER]),
      object(['type', 'read'], ['room', target], ['seq', 0]),
      object(['type', 'inbox']),
    ]
      .filter((frame) => frame !== null)
      .map((frame): HostileFrame => ({ kind: 'text', family: 'reads', text: writeJson(frame) })),
  );

export const frameBatch: fc.Arbitrary<FrameBatch> = fc.record({
  frames: fc
    .tuple(
      openingJoins,
      fc.array(hostileFrame, { minLength: 1, maxLength: 40 }),
      fc.oneof(
        { weight: 12, arbitrary: fc.constant([]) },
        { weight: 1, arbitrary: burst },
        { weight: 2, arbitrary: changes },
        { weight: 1, arbitrary: reads },
      ),
    )
    .map(([joins, frames, tail]) => [...joins, ...frames, ...tail]),
  closing: fc.oneof(
    { weight: 6, arbitrary: fc.constant(null) },
    { weight: 1, arbitrary: closingFrame },
  ),
});

/** Byte offsets where `cuts` split a payload of `length` bytes: sorted, inside it, empty pieces allowed. */
export function fragmentOffsets(length: number, at: readonly number[]): number[] {
  return at.map((offset) => offset % (length + 1)).sort((a, b) => a - b);
}

/** A stored message a placeholder may name. */
export interface StoredRef {
  id: string;
  room: string;
}

/** What placeholders are filled in with: the user, and the messages known when the frame is sent. */
export interface RefContext {
  self: string;
  /** This connection's acknowledged messages, in ack order. */
  own: readonly StoredRef[];
  /** Other users' acknowledged messages, from connections already closed. */
  others: readonly StoredRef[];
}

/** An id no message has: ids count up from 1. */
export const UNUSED_MESSAGE_ID = '9000000000000000001';

/** True when the frame names a stored message: it is filled in only once every earlier frame is answered. */
export function namesStoredMessage(frame: HostileFrame): boolean {
  return frame.kind !== 'binary' && /@(id|room):/.test(frame.text);
}

/** The frame with its placeholders filled in (README ids and rooms are plain ASCII: no escaping). */
export function resolveFrame(frame: HostileFrame, context: RefContext): HostileFrame {
  if (frame.kind === 'binary' || !frame.text.includes('@')) return frame;
  const text = frame.text
    .replaceAll(SELF, context.self)
    .replace(REF_PATTERN, (_, part: 'id' | 'room', whose: string, n: string) => {
      const target = refTarget(whose, Number(n), context);
      return part === 'id' ? target.id : target.room;
    });
  return { ...frame, text };
}

function refTarget(whose: string, n: number, { own, others }: RefContext): StoredRef {
  if (whose !== 'near') {
    const from = whose === 'own' ? own : others;
    // Newest first: own:0 is the message just acknowledged.
    const index = from.length - 1 - (n % from.length);
    return from.length > 0 ? from[index] : { id: UNUSED_MESSAGE_ID, room: 'lobby' };
  }
  // Just past the newest id known: an edit or delete event's row, or a message of a connection still open.
  const newest = [...own, ...others].reduce(
    (max, { id }) => (BigInt(id) > max ? BigInt(id) : max),
    0n,
  );
  return { id: String(newest + 1n + BigInt(n % 3)), room: own.at(-1)?.room ?? 'lobby' };
}
