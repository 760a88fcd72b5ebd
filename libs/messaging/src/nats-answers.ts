import { connect } from 'nats';

/** True when a NATS server accepts a client connection at `url`. */
export async function natsAnswers(url: string): Promise<boolean> {
  try {
    const connection = await connect({ servers: url, timeout: 1_000, reconnect: false });
    await connection.close();
    return true;
  } catch {
    return false;
  }
}
