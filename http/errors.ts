import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { RigError } from '../runtime/errors.js';
import { formatPath } from '../runtime/config/validate.js';

/** A RigError that knows its HTTP status. Anything thrown that is not one of these is a bug (500). */
export class HttpError extends RigError {
  constructor(readonly statusCode: number, code: string, message: string, opts: { field?: string; details?: unknown } = {}) {
    super(code, message, opts);
  }
}

export interface ErrorBody { error: { code: string; message: string; field?: string; [k: string]: unknown } }

/** The contract's error answer, for every 4xx and 5xx of every route (extra details stay). */
export const ErrorSchema = z.object({
  error: z.looseObject({
    code: z.string().describe('Stable machine-readable code, e.g. VALIDATION_FAILED'),
    message: z.string().describe('What went wrong, for a person'),
    field: z.string().optional().describe('The request field at fault, e.g. checksum.value'),
  }),
}).describe('{error:{code,message,field?}}');

/** Merged into every route's response schemas. */
export const ERROR_RESPONSES = { '4xx': ErrorSchema, '5xx': ErrorSchema } as const;

export function errorBody(code: string, message: string, field?: string, extra: Record<string, unknown> = {}): ErrorBody {
  return { error: { code, message, ...(field ? { field } : {}), ...extra } };
}

/** Fastify's own client-error codes, mapped to ours with a message a person can act on. */
const FASTIFY_CLIENT_ERRORS: Record<string, { status: number; code: string; message?: string }> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', message: 'send JSON with Content-Type: application/json' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { status: 400, code: 'INVALID_CONTENT_LENGTH' },
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, code: 'BODY_TOO_LARGE' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, code: 'EMPTY_BODY', message: 'Content-Type is application/json but the body is empty' },
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, code: 'INVALID_JSON' },
  FST_ERR_CTP_INVALID_TYPE: { status: 400, code: 'INVALID_CONTENT_TYPE' },
  FST_ERR_CTP_EMPTY_TYPE: { status: 400, code: 'INVALID_CONTENT_TYPE' },
  FST_ERR_ASYNC_CONSTRAINT: { status: 400, code: 'BAD_REQUEST' },
  FST_ERR_BAD_URL: { status: 400, code: 'BAD_URL', message: 'the path is not valid URL encoding' },
  FST_ERR_MAX_PARAM_LENGTH: { status: 414, code: 'URI_TOO_LONG', message: 'a path segment is longer than 100 characters' },
};

/**
 * The one error handler: a client error keeps its code, message and field; anything
 * else is logged with the request and answered with a generic 500 that leaks nothing.
 */
export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | RigError | Error, req: FastifyRequest, reply: FastifyReply) => {
    const { status, body } = classify(err);
    // A named 5xx (a peer that did not answer, a full disk) is expected operation; only an
    // unnamed one is a bug worth an error line.
    if (status >= 500 && !(err instanceof HttpError)) req.log.error({ err, url: req.url, method: req.method, code: 'HTTP_INTERNAL' }, 'request failed');
    else if (status >= 500) req.log.warn({ url: req.url, method: req.method, code: body.error.code }, body.error.message);
    void reply.code(status).type('application/json; charset=utf-8').send(body);
  });
  app.setNotFoundHandler((req, reply) => {
    void reply.code(404).send(errorBody('NOT_FOUND', `no route ${req.method} ${req.url.split('?')[0]}`));
  });
}

/**
 * For Fastify's `frameworkErrors` option: the router's own refusals (a path that is not valid
 * URL encoding, a path segment over maxParamLength) get our shape too, not Fastify's.
 */
export function frameworkErrors(err: FastifyError, _req: FastifyRequest, reply: FastifyReply): void {
  const { status, body } = classify(err);
  void reply.code(status).type('application/json; charset=utf-8').send(body);
}

function classify(err: unknown): { status: number; body: ErrorBody } {
  const e = err as Partial<FastifyError> & { field?: string; details?: unknown; validationContext?: string };
  if (err instanceof HttpError) {
    const extra = err.details && typeof err.details === 'object' ? (err.details as Record<string, unknown>) : {};
    return { status: err.statusCode, body: errorBody(err.code, err.message, err.field, extra) };
  }
  if (hasZodFastifySchemaValidationErrors(err)) return { status: 400, body: zodValidation(err.validation[0]!, e.validationContext) };
  if (e.code === 'FST_ERR_VALIDATION' || e.code === 'VALIDATION_FAILED' || e.validation) {
    const where = e.validationContext && e.validationContext !== 'body' ? `${e.validationContext}: ` : '';
    return { status: 400, body: errorBody('VALIDATION_FAILED', `${where}${e.message ?? 'invalid request'}`, e.field) };
  }
  const mapped = e.code ? FASTIFY_CLIENT_ERRORS[e.code] : undefined;
  if (mapped) return { status: mapped.status, body: errorBody(mapped.code, mapped.message ?? e.message ?? mapped.code) };
  if (err instanceof SyntaxError || (typeof e.statusCode === 'number' && e.statusCode === 400)) {
    return { status: 400, body: errorBody('BAD_REQUEST', e.message ?? 'bad request') };
  }
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return { status: e.statusCode, body: errorBody(e.code ?? 'BAD_REQUEST', e.message ?? 'bad request') };
  }
  return { status: 500, body: errorBody('INTERNAL', 'internal error; the node logged the details') };
}

/**
 * The first zod issue of a request, as our answer: the field it names (params and body alike),
 * an unknown key named as the field itself.
 */
function zodValidation(issue: { keyword: string; instancePath: string; message?: string; params: Record<string, unknown> }, context: string | undefined): ErrorBody {
  const path: PropertyKey[] = issue.instancePath.split('/').slice(1).filter((p) => p !== '').map((p) => (/^\d+$/.test(p) ? Number(p) : p));
  let message = issue.message ?? 'invalid value';
  const keys = issue.params.keys;
  if (issue.keyword === 'unrecognized_keys' && Array.isArray(keys) && keys.length > 0) {
    path.push(String(keys[0]));
    message = `unknown field "${String(keys[0])}"`;
  }
  const field = path.length > 0 ? formatPath(path) : undefined;
  const where = field ?? (context && context !== 'body' ? context : undefined);
  return errorBody('VALIDATION_FAILED', where ? `${where}: ${message}` : message, field);
}
