import { Catch, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';
import { sendContractError } from '../edge/contract-error';

/** The one error shape over HTTP too: {"error": {code, message, details}}, with a status to match. */
@Catch()
export class RpcErrorFilter implements ExceptionFilter {
  catch(error: unknown, host: ArgumentsHost): void {
    sendContractError(host.switchToHttp().getResponse<Response>(), error);
  }
}
