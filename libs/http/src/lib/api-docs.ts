import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { SwitchboardConfig } from '@switchboard/config';
import { z } from 'zod';

export interface ApiDocsOptions {
  title: string;
  description: string;
}

/** An OpenAPI 3.0 schema from a protocol zod schema: the docs describe exactly what is validated and sent. */
export function openApiSchema(schema: z.ZodType): Record<string, unknown> {
  return z.toJSONSchema(schema, { target: 'openapi-3.0', unrepresentable: 'any' });
}

/**
 * Serves the service's OpenAPI description at `/docs` (interactive) and `/docs-json`, unless
 * API_DOCS is off (by default under NODE_ENV=production), where both are 404.
 */
export function serveApiDocs(app: INestApplication, options: ApiDocsOptions): void {
  if (!app.get(SwitchboardConfig).apiDocs) return;
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle(options.title)
      .setDescription(options.description)
      .setVersion('1')
      .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' })
      .addApiKey({ type: 'apiKey', in: 'header', name: 'X-Api-Key' }, 'service-key')
      .build(),
  );
  SwaggerModule.setup('docs', app, document, {
    jsonDocumentUrl: 'docs-json',
    // The UI would fetch a validity badge from validator.swagger.io, which the CSP rightly refuses.
    swaggerOptions: { validatorUrl: null },
  });
}
