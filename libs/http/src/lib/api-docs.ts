import { INestApplication } from '@nestjs/common';
import type * as Swagger from '@nestjs/swagger';
import type { OpenAPIObject } from '@nestjs/swagger';
import { SwitchboardConfig } from '@switchboard/config';
import { describeHealth } from '@switchboard/observability';
import { httpErrorSchema, JsonSchema, JsonSchemaComponents } from '@switchboard/protocol';
import { z } from 'zod';

export interface ApiDocsOptions {
  title: string;
  description: string;
  /** Applies swagger's decorators to a controller that does not import `@nestjs/swagger` itself. */
  describe?: (swagger: typeof Swagger) => void;
}

/** The named protocol schemas every `openApiSchema` call has met: the documents' components. */
const components = new JsonSchemaComponents('openapi-3.0');

/**
 * An OpenAPI 3.0 schema from a protocol zod schema: the docs describe exactly what is validated and
 * sent. A schema named with `.meta({ id })` (and every named part of it) is a reference to
 * `#/components/schemas/<id>`, which `serveApiDocs` adds to the document.
 */
export function openApiSchema(schema: z.ZodType): Record<string, unknown> {
  return components.schemaOf(schema);
}

const errorBody = openApiSchema(httpErrorSchema);

/** Errors any operation of its kind can answer, documented on every such operation centrally. */
const COMMON_ERRORS = {
  badRequest: {
    status: '400',
    description:
      'invalid_parameter (named in `parameter`), or a body that is not JSON (invalid_json) or not valid (invalid_body, invalid_message)',
  },
  unauthorized: { status: '401', description: 'unauthorized: missing or wrong credentials' },
  tooLarge: { status: '413', description: 'too_large: the body is over the size limit' },
  notUtf8: { status: '415', description: 'unsupported_media_type: a JSON body not in UTF-8' },
  internal: {
    status: '500',
    description: 'internal_error: the server failed; the request may be retried',
  },
} as const;

type Operation = OpenAPIObject['paths'][string]['get'] & object;
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

function* operationsOf(document: OpenAPIObject): Generator<Operation> {
  for (const path of Object.values(document.paths)) {
    for (const method of METHODS) {
      const operation = path[method];
      if (operation) yield operation;
    }
  }
}

/** The errors that apply to an operation by its shape: credentials, parameters, a body. */
function commonErrorsOf(
  operation: Operation,
): (typeof COMMON_ERRORS)[keyof typeof COMMON_ERRORS][] {
  const hasBody = operation.requestBody !== undefined;
  const secured = (operation.security ?? []).length > 0;
  return [
    ...((operation.parameters ?? []).length > 0 || hasBody ? [COMMON_ERRORS.badRequest] : []),
    ...(secured ? [COMMON_ERRORS.unauthorized] : []),
    ...(hasBody ? [COMMON_ERRORS.tooLarge, COMMON_ERRORS.notUtf8] : []),
    COMMON_ERRORS.internal,
  ];
}

function isInlineObject(schema: unknown): schema is JsonSchema {
  if (typeof schema !== 'object' || schema === null || '$ref' in schema) return false;
  const keywords = schema as JsonSchema;
  return (
    keywords.type === 'object' ||
    ['properties', 'allOf', 'oneOf', 'anyOf'].some((keyword) => keyword in keywords)
  );
}

/** `HealthController_live` and `200` → `HealthLive200`. */
function fallbackName(operationId: string, suffix: string): string {
  return (
    operationId
      .replace(/Controller_/, '_')
      .split(/[_\W]+/)
      .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
      .join('') + suffix
  );
}

/**
 * Names the inline object schemas of bodies and answers that do not come from a named protocol
 * schema (a library's, such as terminus' health answer): identical ones share a name.
 */
function nameInlineSchemas(document: OpenAPIObject, named: Record<string, JsonSchema>): void {
  const nameOf = (schema: JsonSchema, proposed: string): string => {
    const json = JSON.stringify(schema);
    const existing = Object.entries(named).find(([, other]) => JSON.stringify(other) === json);
    if (existing) return existing[0];
    let name = proposed;
    for (let n = 2; name in named; n++) name = `${proposed}${n}`;
    named[name] = schema;
    return name;
  };
  const referenced = (content: unknown, proposed: string): void => {
    for (const media of Object.values((content ?? {}) as Record<string, { schema?: unknown }>)) {
      const { schema } = media;
      if (isInlineObject(schema)) {
        media.schema = { $ref: `#/components/schemas/${nameOf(schema, proposed)}` };
      } else if (
        typeof schema === 'object' &&
        schema !== null &&
        isInlineObject((schema as JsonSchema).items)
      ) {
        const items = (schema as JsonSchema).items as JsonSchema;
        (schema as JsonSchema).items = {
          $ref: `#/components/schemas/${nameOf(items, `${proposed}Item`)}`,
        };
      }
    }
  };
  for (const operation of operationsOf(document)) {
    const id = operation.operationId ?? 'Operation';
    const body = operation.requestBody as { content?: unknown } | undefined;
    referenced(body?.content, fallbackName(id, 'Body'));
    for (const [status, response] of Object.entries(operation.responses)) {
      referenced(
        (response as { content?: unknown } | undefined)?.content,
        fallbackName(id, status),
      );
    }
  }
}

/**
 * What every document gets besides its controllers' decorators: the errors that apply to each
 * operation (400, 401, 413, 415, 500 by its shape; 403, 404 and 429 stay with the controllers, which
 * know when they apply), the error body on every error, every body and answer as a named component,
 * and the components themselves.
 */
export function completeApiDocument(document: OpenAPIObject): OpenAPIObject {
  const errorContent = { 'application/json': { schema: errorBody } };
  for (const operation of operationsOf(document)) {
    for (const { status, description } of commonErrorsOf(operation)) {
      operation.responses[status] ??= { description, content: errorContent };
    }
    // HttpErrorFilter answers every error with one JSON body, also where the operation's success is
    // another media type (`@ApiProduces('text/event-stream')` would otherwise claim it for errors too).
    for (const [status, response] of Object.entries(operation.responses)) {
      const isError = /^[45]\d\d$/.test(status);
      if (isError && response && !('$ref' in response) && !response.content?.['application/json']) {
        response.content = errorContent;
      }
    }
  }
  const schemas = {
    ...document.components?.schemas,
    ...components.referencedBy(document),
  } as Record<string, JsonSchema>;
  nameInlineSchemas(document, schemas);
  document.components = { ...document.components, schemas };
  return document;
}

/**
 * Serves the service's OpenAPI description at `/docs` (interactive) and `/docs-json`, unless
 * API_DOCS is off (by default under NODE_ENV=production), where both are 404. `@nestjs/swagger` is
 * loaded only then: with docs off, a service whose controllers do not import it never loads it.
 */
export async function serveApiDocs(app: INestApplication, options: ApiDocsOptions): Promise<void> {
  if (!app.get(SwitchboardConfig).apiDocs) return;
  const swagger = await import('@nestjs/swagger');
  describeHealth();
  options.describe?.(swagger);
  const document = swagger.SwaggerModule.createDocument(
    app,
    new swagger.DocumentBuilder()
      .setTitle(options.title)
      .setDescription(options.description)
      .setVersion('1')
      .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' })
      .addApiKey({ type: 'apiKey', in: 'header', name: 'X-Api-Key' }, 'service-key')
      .build(),
  );
  swagger.SwaggerModule.setup('docs', app, completeApiDocument(document), {
    jsonDocumentUrl: 'docs-json',
    // The UI would fetch a validity badge from validator.swagger.io, which the CSP rightly refuses.
    swaggerOptions: { validatorUrl: null },
  });
}
