import { connect, ErrorCode, NatsError } from 'nats';

/**
 * True when a NATS server answers at `url`: it accepts a client connection, or refuses one for
 * want of credentials (a server with users is still there).
 */
export async function natsAnswers(url: string): Promise<boolean> {
  try {
    const connection = await connect({ servers: url, timeout: 1_000, reconnect: false });
    await connection.close();
    return true;
  } catch (error) {
    return error instanceof NatsError && error.code === ErrorCode.AuthorizationViolation;
  }
}
