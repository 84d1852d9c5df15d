import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import { HttpError } from './errors.js';
import { formatPath } from '../runtime/config/validate.js';

/**
 * Route schemas are zod types. Validation runs zod (which also applies defaults
 * and rejects unknown fields in strict objects); the first issue becomes the
 * answer, naming the field. Responses are serialised with JSON.stringify: the
 * payloads are small and this avoids a second schema language.
 */
export function installZod(app: FastifyInstance): void {
  app.setValidatorCompiler(({ schema }) => {
    const zs = schema as unknown as z.ZodType;
    return (data: unknown) => {
      const r = zs.safeParse(data);
      if (r.success) return { value: r.data };
      return { error: issueToError(r.error) };
    };
  });
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
}

export function issueToError(error: z.ZodError): HttpError {
  const issue = error.issues[0]!;
  let path: PropertyKey[] = issue.path;
  let message = issue.message;
  if (issue.code === 'unrecognized_keys') {
    path = [...issue.path, issue.keys[0]!];
    message = `unknown field "${String(issue.keys[0])}"`;
  }
  const field = path.length > 0 ? formatPath(path) : undefined;
  const e = new HttpError(400, 'VALIDATION_FAILED', field ? `${field}: ${message}` : message, field ? { field } : {});
  return e;
}

/** For @fastify/swagger: turn zod route schemas into JSON Schema for /docs. */
export function zodToOpenApi({ schema, url }: { schema: Record<string, unknown>; url: string }): { schema: Record<string, unknown>; url: string } {
  if (!schema) return { schema, url };
  const out: Record<string, unknown> = { ...schema };
  for (const key of ['body', 'querystring', 'params', 'headers'] as const) {
    if (schema[key] instanceof z.ZodType) out[key] = toJson(schema[key]);
  }
  if (schema.response && typeof schema.response === 'object') {
    const resp: Record<string, unknown> = {};
    for (const [code, s] of Object.entries(schema.response as Record<string, unknown>)) resp[code] = s instanceof z.ZodType ? toJson(s) : s;
    out.response = resp;
  }
  return { schema: out, url };
}

function toJson(s: z.ZodType): Record<string, unknown> {
  const json = z.toJSONSchema(s, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  delete json.$schema;
  return json;
}

/** A body that may be left out entirely (fastify hands the validator null then). */
export function optionalBody<T extends z.ZodType>(schema: T) {
  return z.preprocess((v) => (v === null || v === undefined ? {} : v), schema);
}
