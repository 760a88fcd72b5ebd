const codes = [
  'invalid_argument',
  'not_found',
  'failed_precondition',
  'unavailable',
  'deadline_exceeded',
  'internal',
  // The HTTP edge's own: no or an unknown key, a key without the right, too many calls.
  'unauthenticated',
  'permission_denied',
  'resource_exhausted',
] as const;

/** The error codes of the public contract (DESIGN §2). */
export type ErrorCode = (typeof codes)[number];

export function isErrorCode(value: unknown): value is ErrorCode {
  return codes.includes(value as ErrorCode);
}

/** The one error type of the NATS boundary: what a handler throws and a caller catches. */
export class RpcError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'RpcError';
  }

  static invalidArgument(field: string, message: string): RpcError {
    return new RpcError('invalid_argument', message, { field });
  }

  static notFound(what: string, id: string): RpcError {
    return new RpcError('not_found', `${what} ${id} does not exist`, { [`${what}Id`]: id });
  }

  toJSON(): { error: { code: ErrorCode; message: string; details: Record<string, unknown> } } {
    return { error: { code: this.code, message: this.message, details: this.details } };
  }
}
