import { createServer } from 'node:net';

// The machine's shared servers and the other engineers' test servers: never ours.
const RESERVED = new Set([4222, 4225, 4226, 4227, 4228, 5432]);

/**
 * `count` distinct TCP ports on 127.0.0.1, free a moment ago. They are taken below the kernel's
 * ephemeral range (32768 and up), because a server killed by the chaos run is started again on
 * the same port, and an outgoing connection's ephemeral port must not have taken it meanwhile.
 */
export async function freeLoopbackPorts(count: number): Promise<number[]> {
  const ports: number[] = [];
  while (ports.length < count) {
    const port = 20_000 + Math.floor(Math.random() * 10_000);
    if (RESERVED.has(port) || ports.includes(port)) continue;
    if (await isFree(port)) ports.push(port);
  }
  return ports;
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}
