/**
 * zod ↔ Fastify: route schemas (`body`, `params`, `querystring`, `response`) are the shared zod
 * schemas of `src-shared/api`. Requests are parsed with them (a mismatch is 400
 * `INVALID_REQUEST`, or `UNSUPPORTED_VERSION` for an unknown `v`), answers are checked against
 * them before they leave, and route handlers get the inferred TypeScript types
 * (`app.withTypeProvider<ZodTypeProvider>()`).
 */
import type { FastifySchemaCompiler, FastifyTypeProvider } from 'fastify';
import type { FastifySerializerCompiler } from 'fastify/types/schema.js';
import type { z } from 'zod';
import { BackboneError } from '../../src-shared/errors.js';
import { API_VERSION } from '../../src-shared/api/common.js';

export interface ZodTypeProvider extends FastifyTypeProvider {
  validator: this['schema'] extends z.ZodType ? z.output<this['schema']> : unknown;
  serializer: this['schema'] extends z.ZodType ? z.input<this['schema']> : unknown;
}

const PART_NAMES: Record<string, string> = {
  body: 'body',
  querystring: 'query string',
  params: 'URL',
  headers: 'headers',
};

function clip(text: string, max = 80): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const path = issue.path.map((key) => clip(String(key), 40)).join('.');
  return clip(path ? `${path}: ${issue.message}` : issue.message, 200);
}

/** The error for a request part that does not match its schema. */
export function requestValidationError(
  httpPart: string | undefined,
  error: z.ZodError,
  data: unknown,
): BackboneError {
  const part = PART_NAMES[httpPart ?? ''] ?? 'request';
  const first = error.issues[0];
  const version =
    data !== null && typeof data === 'object' ? (data as { v?: unknown }).v : undefined;
  if (
    httpPart === 'body' &&
    first?.path.length === 1 &&
    first.path[0] === 'v' &&
    typeof version === 'number'
  ) {
    return new BackboneError(
      'UNSUPPORTED_VERSION',
      `This request has version ${clip(String(version), 20)}; this server understands version ${API_VERSION}.`,
    );
  }
  const details = error.issues.slice(0, 3).map(describeIssue).join('; ');
  const more = error.issues.length > 3 ? ` (and ${error.issues.length - 3} more)` : '';
  return new BackboneError('INVALID_REQUEST', `Invalid ${part}: ${details}${more}.`);
}

export const zodValidatorCompiler: FastifySchemaCompiler<z.ZodType> =
  ({ schema, httpPart }) =>
  (data: unknown) => {
    const result = schema.safeParse(data);
    if (result.success) return { value: result.data };
    return { error: requestValidationError(httpPart, result.error, data) };
  };

export const zodSerializerCompiler: FastifySerializerCompiler<z.ZodType> =
  ({ schema }) =>
  (data: unknown) =>
    JSON.stringify(schema.parse(data));
