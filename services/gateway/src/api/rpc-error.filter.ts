import { RpcError } from '@calldesk/contracts';
import { Catch, HttpException, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';
import { Throttled } from '../edge/throttled';
import { HTTP_STATUS } from '../http-status';

/** The one error shape over HTTP too: {"error": {code, message, details}}, with a status to match. */
@Catch()
export class RpcErrorFilter implements ExceptionFilter {
  catch(error: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    if (error instanceof RpcError) {
      if (error instanceof Throttled) response.setHeader('retry-after', String(error.retryAfterSeconds));
      response.status(HTTP_STATUS[error.code]).json(error.toJSON());
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
