import { RpcError } from '@calldesk/contracts';
import { BadRequestException, NotFoundException, ServiceUnavailableException } from '@nestjs/common';
import { contractError } from './contract-error';

const parserError = (status: number, fields: Record<string, unknown>) =>
  Object.assign(new Error('raw parser message'), { status, ...fields });

describe('contractError', () => {
  it('keeps our own errors as they are, with the status of their code', () => {
    const error = new RpcError('permission_denied', 'not yours');
    expect(contractError(error)).toEqual([403, error]);
  });

  it('gives Nest’s errors the contract’s code for their status', () => {
    expect(contractError(new NotFoundException('Cannot GET /x'))?.[1].code).toBe('not_found');
    expect(contractError(new BadRequestException('Unexpected token'))).toEqual([
      400,
      new RpcError('invalid_argument', 'Unexpected token'),
    ]);
    expect(contractError(new ServiceUnavailableException('down'))?.[1].code).toBe('unavailable');
  });

  it('says how large a body may be, and shows a parser’s message only when it is meant to be shown', () => {
    expect(contractError(parserError(413, { type: 'entity.too.large', limit: 102_400 }))).toEqual([
      413,
      new RpcError('invalid_argument', 'the body is larger than 102400 bytes', { limitBytes: 102_400 }),
    ]);
    expect(contractError(parserError(415, { expose: true }))?.[1]).toEqual(
      new RpcError('invalid_argument', 'raw parser message'),
    );
    expect(contractError(parserError(400, { expose: false }))?.[1].message).toBe('the request could not be read');
  });

  it('answers the database being down as unavailable (503), safe to retry', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    expect(contractError(refused)).toEqual([503, new RpcError('unavailable', 'the database is unavailable; retry')]);
  });

  it('knows nothing of anything else', () => {
    expect(contractError(new Error('a bug'))).toBeUndefined();
    expect(contractError('thrown text')).toBeUndefined();
  });
});
