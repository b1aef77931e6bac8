import { z } from 'zod';

/** A JSON Schema (or OpenAPI schema object) as plain JSON. */
export type JsonSchema = { [keyword: string]: unknown };

/** The JSON Schema dialects our documents use: OpenAPI 3.0's, and draft-07 (AsyncAPI's default). */
export type JsonSchemaTarget = 'openapi-3.0' | 'draft-07';

export const COMPONENT_SCHEMA_PREFIX = '#/components/schemas/';
const LOCAL_DEFINITION_REF = /^#\/(?:definitions|\$defs)\//;

function pointingAtComponents(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(pointingAtComponents);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, inner]) => [
      key,
      key === '$ref' && typeof inner === 'string'
        ? inner.replace(LOCAL_DEFINITION_REF, COMPONENT_SCHEMA_PREFIX)
        : pointingAtComponents(inner),
    ]),
  );
}

/** Every `$ref` in `value`, however deep. */
export function referencesIn(value: unknown, into = new Set<string>()): Set<string> {
  if (Array.isArray(value)) {
    for (const item of value) referencesIn(item, into);
  } else if (typeof value === 'object' && value !== null) {
    for (const [key, inner] of Object.entries(value)) {
      if (key === '$ref' && typeof inner === 'string') into.add(inner);
      else referencesIn(inner, into);
    }
  }
  return into;
}

/**
 * JSON Schemas of zod schemas for a document's `components.schemas`: a schema named with
 * `.meta({ id })` is one component, referenced as `#/components/schemas/<id>` wherever it is used,
 * so a document names each protocol shape once instead of repeating it inline.
 */
export class JsonSchemaComponents {
  private readonly named = new Map<string, JsonSchema>();

  constructor(private readonly target: JsonSchemaTarget) {}

  /**
   * The JSON Schema of `schema` as a client sends or reads it (`io: 'input'`: a field with a default
   * is optional, unknown fields are tolerated unless the schema is strict); its named parts, and the
   * schema itself when named, are references to components kept here.
   */
  schemaOf(schema: z.ZodType): JsonSchema {
    const generated = z.toJSONSchema(schema, {
      target: this.target,
      io: 'input',
      unrepresentable: 'any',
    }) as JsonSchema;
    const { definitions, $defs, $schema: _dialect, ...root } = generated;
    const local: Record<string, JsonSchema> = { ...(definitions as object), ...($defs as object) };
    for (const [id, definition] of Object.entries(local)) {
      this.define(id, pointingAtComponents(definition) as JsonSchema);
    }
    return pointingAtComponents(root) as JsonSchema;
  }

  /** A component given as JSON Schema rather than zod; the same name twice must be the same schema. */
  define(id: string, definition: JsonSchema): void {
    const existing = this.named.get(id);
    // zod emits keys in a fixed order, so equal schemas serialize equally.
    if (existing && JSON.stringify(existing) !== JSON.stringify(definition)) {
      throw new Error(`two different schemas are named ${id}: give one of them another id`);
    }
    this.named.set(id, definition);
  }

  /** The component named `id`, once a schema that uses it went through `schemaOf`. */
  definition(id: string): JsonSchema | undefined {
    return this.named.get(id);
  }

  /** The components that `document` refers to, directly or through other components, by name. */
  referencedBy(document: unknown): Record<string, JsonSchema> {
    const used: Record<string, JsonSchema> = {};
    const pending = [...referencesIn(document)];
    for (let ref = pending.pop(); ref !== undefined; ref = pending.pop()) {
      if (!ref.startsWith(COMPONENT_SCHEMA_PREFIX)) continue;
      const id = ref.slice(COMPONENT_SCHEMA_PREFIX.length);
      const definition = this.named.get(id);
      if (definition === undefined || id in used) continue;
      used[id] = definition;
      pending.push(...referencesIn(definition));
    }
    return Object.fromEntries(Object.entries(used).sort(([a], [b]) => a.localeCompare(b)));
  }
}
