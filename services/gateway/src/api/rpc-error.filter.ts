import { RpcError, type ErrorCode } from '@calldesk/contracts';
import { Catch, HttpException, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';

const STATUS: Record<ErrorCode, number> = {
  invalid_argument: 400,
  not_found: 404,
  failed_precondition: 409,
  unavailable: 503,
  deadline_exceeded: 504,
  internal: 500,
};

/** The one error shape over HTTP too: {"error": {code, message, details}}, with a status to match. */
@Catch()
export class RpcErrorFilter implements ExceptionFilter {
  catch(error: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    if (error instanceof RpcError) {
      response.status(STATUS[error.code]).json(error.toJSON());
      return;
    }
    if (error instanceof HttpException) {
      const body = error.getResponse();
      response
        .status(error.getStatus())
        .json(typeof body === 'object' && body !== null && 'error' in body ? body : { error: { code: 'invalid_argument', message: error.message, details: {} } });
      return;
    }
    response.status(500).json(new RpcError('internal', 'internal error').toJSON());
  }
}
