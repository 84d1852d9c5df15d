/**
 * Errors that cross a module boundary carry a stable string code, so HTTP,
 * status warnings and logs can name the cause without parsing messages.
 */
export class RigError extends Error {
  readonly code: string;
  readonly field: string | undefined;
  readonly details: unknown;

  constructor(code: string, message: string, opts: { field?: string; details?: unknown; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'RigError';
    this.code = code;
    this.field = opts.field;
    this.details = opts.details;
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export function errorCode(err: unknown): string | undefined {
  if (err && typeof err === 'object' && 'code' in err && typeof (err as { code: unknown }).code === 'string') {
    return (err as { code: string }).code;
  }
  return undefined;
}
