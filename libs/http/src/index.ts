export { openApiSchema, serveApiDocs } from './lib/api-docs';
export type { ApiDocsOptions } from './lib/api-docs';
export {
  answerUnroutable,
  applyHttpConventions,
  HttpConventionsModule,
} from './lib/http-conventions';
export type { HttpConventionOptions } from './lib/http-conventions';
export { apiError, HttpErrorFilter } from './lib/http-error.filter';
export type { ApiErrorDetails } from './lib/http-error.filter';
export { ZodBodyPipe } from './lib/zod-body.pipe';
export { RequestHeader, ZodParameterPipe } from './lib/zod-parameter.pipe';
