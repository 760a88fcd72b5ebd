import { QueryFailedError } from 'typeorm';
import { databaseUnavailable } from './database-unavailable';

describe('databaseUnavailable', () => {
  const withCode = (code: string, message = 'failed') => Object.assign(new Error(message), { code });

  it.each([
    ['connection refused', withCode('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432')],
    ['connection reset', withCode('ECONNRESET')],
    ['a connection exception (SQLSTATE 08006)', withCode('08006')],
    ['the server shutting down (57P01)', withCode('57P01', 'terminating connection due to administrator command')],
    ['the server in recovery (57P03)', withCode('57P03', 'the database system is in recovery mode')],
    ['too many connections (53300)', withCode('53300')],
    ['the connection lost mid-query', new Error('Connection terminated unexpectedly')],
    ['no connection from the pool in time', new Error('timeout exceeded when trying to connect')],
    [
      'a TypeORM query error wrapping a lost connection',
      new QueryFailedError('SELECT 1', [], withCode('57P01', 'terminating connection')),
    ],
  ])('says yes for %s', (_what, error) => {
    expect(databaseUnavailable(error)).toBe(true);
  });

  it.each([
    ['a unique violation', withCode('23505', 'duplicate key value violates unique constraint')],
    [
      'an exclusion violation',
      new QueryFailedError('INSERT', [], withCode('23P01', 'conflicting key value violates exclusion constraint')),
    ],
    ['a syntax error', withCode('42601')],
    ['a plain error', new Error('boom')],
    ['nothing', undefined],
    ['a string', 'ECONNREFUSED'],
  ])('says no for %s', (_what, error) => {
    expect(databaseUnavailable(error)).toBe(false);
  });
});
