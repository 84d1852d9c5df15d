import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { $ZodType } from 'zod/v4/core';
import { ResponseSerializationError, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';

/**
 * Route schemas are zod types, validated and serialised by fastify-type-provider-zod; its
 * validation errors leave through the one error handler (errors.ts) as a 400 naming the field.
 *
 * A response that does not match its schema is a bug of ours, not of the caller: it is logged
 * (HTTP_RESPONSE_SCHEMA) and sent as it is. The schema documents and trims the answer; it must
 * never turn a working /status into a 500 on match day.
 */
export function installZod(app: FastifyInstance): void {
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler<$ZodType | { properties: $ZodType }>((route) => {
    if (uncheckedSchemas.has(route.schema)) return (data: unknown) => JSON.stringify(data);
    const encode = serializerCompiler(route);
    return (data: unknown) => {
      try {
        return encode(data);
      } catch (err) {
        if (!(err instanceof ResponseSerializationError)) throw err;
        app.log.error({ code: 'HTTP_RESPONSE_SCHEMA', method: route.method, url: route.url, issues: err.cause.issues.slice(0, 3) },
          `the answer of ${route.method} ${route.url} does not match its schema; sent as it is`);
        return JSON.stringify(data);
      }
    };
  });
}

/** A body that may be left out entirely (fastify hands the validator undefined or null then). */
export function optionalBody<T extends z.ZodType>(schema: T) {
  return z.preprocess((v) => (v === null || v === undefined ? {} : v), schema);
}

/**
 * The same schema with every object loose at every depth: the answer keeps fields that other
 * parts of the node add (a new status field reaches the dashboard before its schema is updated).
 */
export function looseDeep<T extends z.ZodType>(schema: T): T {
  return loosen(schema) as T;
}

function loosen(s: z.ZodType): z.ZodType {
  let out: z.ZodType;
  if (s instanceof z.ZodObject) {
    const shape: Record<string, z.ZodType> = {};
    for (const [k, v] of Object.entries(s.shape as Record<string, z.ZodType>)) shape[k] = loosen(v);
    out = z.looseObject(shape);
  } else if (s instanceof z.ZodNullable) out = loosen(s.unwrap() as z.ZodType).nullable();
  else if (s instanceof z.ZodOptional) out = loosen(s.unwrap() as z.ZodType).optional();
  else if (s instanceof z.ZodArray) out = z.array(loosen(s.element as z.ZodType));
  else return s;
  return s.description ? out.describe(s.description) : out;
}

const uncheckedSchemas = new WeakSet<object>();

/**
 * An answer schema that documents (for /docs) but is not re-checked on every answer. For the two
 * answers a dashboard asks for most (GET /status, GET /rig): their content is typed where it is
 * built (the StatusBoard, the rig view), their schemas are loose at every depth so checking strips
 * nothing, and encoding the whole status through zod on every answer cost a third of /status
 * throughput (BENCHMARKS.md, "Node at rest").
 */
export function documentedOnly<T extends object>(schema: T): T {
  uncheckedSchemas.add(schema);
  return schema;
}
