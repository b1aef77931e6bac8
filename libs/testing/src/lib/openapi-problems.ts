type Json = Record<string, unknown>;

const METHODS = ['get', 'put', 'post', 'delete', 'patch'];

/** What a local `$ref` (`#/a/b`) points at in `document`, or undefined. */
function resolve(document: Json, ref: string): unknown {
  if (!ref.startsWith('#/')) return undefined;
  return ref
    .slice(2)
    .split('/')
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce<unknown>((node, key) => (node as Json | undefined)?.[key], document);
}

function refsIn(value: unknown, into: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((item) => refsIn(item, into));
  else if (typeof value === 'object' && value !== null) {
    for (const [key, inner] of Object.entries(value)) {
      if (key === '$ref' && typeof inner === 'string') into.push(inner);
      else refsIn(inner, into);
    }
  }
  return into;
}

function isInlineObject(schema: unknown): boolean {
  if (typeof schema !== 'object' || schema === null || '$ref' in schema) return false;
  const keywords = schema as Json;
  return (
    keywords.type === 'object' ||
    ['properties', 'allOf', 'oneOf', 'anyOf'].some((keyword) => keyword in keywords) ||
    isInlineObject(keywords.items)
  );
}

/**
 * What an OpenAPI document of ours must not have, one line each (empty when it is right): a body or
 * answer with an inline object schema instead of a named component, a body operation without 413,
 * an operation needing credentials without 401, an error answer without a body schema, a `$ref`
 * that points nowhere.
 */
export function openApiProblems(document: Json): string[] {
  const problems: string[] = [];
  for (const [path, item] of Object.entries(document.paths as Record<string, Json>)) {
    for (const method of METHODS.filter((name) => name in item)) {
      const where = `${method.toUpperCase()} ${path}`;
      const operation = item[method] as {
        requestBody?: { content?: Record<string, { schema?: unknown }> };
        security?: unknown[];
        responses: Record<string, { content?: Record<string, { schema?: unknown }> }>;
      };
      for (const [type, { schema }] of Object.entries(operation.requestBody?.content ?? {})) {
        if (isInlineObject(schema)) problems.push(`${where}: inline ${type} body schema`);
      }
      if (operation.requestBody && !operation.responses['413']) {
        problems.push(`${where}: has a body but no 413`);
      }
      if (!operation.responses['500']) problems.push(`${where}: no 500`);
      if ((operation.security ?? []).length > 0 && !operation.responses['401']) {
        problems.push(`${where}: needs credentials but has no 401`);
      }
      for (const [status, response] of Object.entries(operation.responses)) {
        for (const [type, { schema }] of Object.entries(response.content ?? {})) {
          if (isInlineObject(schema)) problems.push(`${where} ${status}: inline ${type} schema`);
        }
        if (/^[45]/.test(status) && !response.content?.['application/json']) {
          problems.push(`${where} ${status}: an error without its body schema`);
        }
      }
    }
  }
  for (const ref of refsIn(document)) {
    if (resolve(document, ref) === undefined) problems.push(`${ref} does not resolve`);
  }
  return problems;
}

/** The parts of an OpenAPI document the services' document specs read. */
export interface OpenApiDocument {
  paths: Record<
    string,
    Record<string, { requestBody?: unknown; responses: Record<string, unknown> }>
  >;
  components: { schemas: Record<string, unknown> };
}

/** A JSON body or answer whose schema is the named component `id`, for `toMatchObject`. */
export function namedJsonContent(id: string): object {
  return { content: { 'application/json': { schema: { $ref: `#/components/schemas/${id}` } } } };
}
