import { RpcErrorCode } from './gen/calendar/v1/common_pb';

const codes = Object.keys(RpcErrorCode).filter(
  (name) => Number.isNaN(Number(name)) && name !== 'code_unspecified',
) as ErrorCode[];

/** The error codes of the public contract (DESIGN §2), by name, as proto/calendar/v1/common.proto lists them. */
export type ErrorCode = Exclude<keyof typeof RpcErrorCode, 'code_unspecified'>;

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
