import { RpcError, type ErrorCode } from '@calldesk/contracts';
import { databaseUnavailable } from '@calldesk/persistence';
import { HttpException } from '@nestjs/common';
import { HTTP_STATUS } from '../http-status';

/** The contract's code for an HTTP status that arrives without one (Express's and Nest's own errors). */
const CODE_OF_STATUS: Record<number, ErrorCode> = {
  401: 'unauthenticated',
  403: 'permission_denied',
  404: 'not_found',
  408: 'deadline_exceeded',
  409: 'failed_precondition',
  429: 'resource_exhausted',
  503: 'unavailable',
  504: 'deadline_exceeded',
};

/** An error of the body parser (http-errors): a status, and a message safe to show when `expose`. */
interface ParserError {
  status: number;
  expose?: boolean;
  type?: string;
  limit?: number;
  message: string;
}

/**
 * An error as the contract answers it, {"error": {code, message, details}}, and its status: ours
 * (RpcError), Nest's, the body parser's and the database's being down. Undefined for anything
 * unforeseen.
 */
export function contractError(error: unknown): [number, RpcError] | undefined {
  if (error instanceof RpcError) return [HTTP_STATUS[error.code], error];
  if (databaseUnavailable(error))
    return [HTTP_STATUS.unavailable, new RpcError('unavailable', 'the database is unavailable; retry')];
  if (error instanceof HttpException) return fromStatus(error.getStatus(), error.message);
  if (!isParserError(error)) return undefined;
  if (error.type === 'entity.too.large') {
    return [
      413,
      new RpcError('invalid_argument', `the body is larger than ${error.limit} bytes`, { limitBytes: error.limit }),
    ];
  }
  return fromStatus(error.status, error.expose ? error.message : 'the request could not be read');
}

function fromStatus(status: number, message: string): [number, RpcError] {
  const code = CODE_OF_STATUS[status] ?? (status < 500 ? 'invalid_argument' : 'internal');
  return [status, new RpcError(code, code === 'internal' ? 'internal error' : message)];
}

function isParserError(error: unknown): error is ParserError {
  const status = (error as ParserError | undefined)?.status;
  return error instanceof Error && typeof status === 'number' && status >= 400 && status < 600;
}
