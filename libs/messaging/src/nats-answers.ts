import { connect } from 'node:net';

/**
 * True when a NATS server answers at `url`: it greets every connection with an INFO line before
 * anything else, so this holds whatever the server asks next (credentials, TLS).
 */
export function natsAnswers(url: string, timeoutMs = 1_000): Promise<boolean> {
  const { hostname, port } = new URL(url.includes('://') ? url : `nats://${url}`);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname.replace(/^\[|\]$/g, ''), port: Number(port || 4222) });
    const done = (answered: boolean) => {
      socket.destroy();
      resolve(answered);
    };
    let greeting = '';
    socket.setTimeout(timeoutMs, () => done(false));
    socket.on('error', () => done(false));
    socket.on('data', (chunk) => {
      greeting += chunk.toString('latin1');
      if (greeting.includes('\n')) done(greeting.startsWith('INFO '));
    });
  });
}
