import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { natsAnswers } from '@calldesk/messaging';
import { type JetStreamManager, connect } from 'nats';
import { startPrivateNatsServer, testNatsUrl } from './nats';

describe('startPrivateNatsServer', () => {
  it('starts a JetStream server that accepts connections, and stops it', async () => {
    const server = await startPrivateNatsServer();

    const account = await withJetStream(server.url, (manager) => manager.getAccountInfo());
    const exit = await server.stop();

    expect(account.streams).toBe(0);
    expect(exit).toEqual({ code: 0, signal: null });
    expect(await natsAnswers(server.url)).toBe(false);
  });

  it('restarts on the same port with the same store after a crash', async () => {
    const storeDir = await mkdtemp(path.join(tmpdir(), 'nats-int-spec-'));
    const first = await startPrivateNatsServer({ storeDir });
    await withJetStream(first.url, (manager) => manager.streams.add({ name: 'BOOKINGS', subjects: ['bookings.>'] }));
    await first.stop('SIGKILL');

    const second = await startPrivateNatsServer({ port: first.port, storeDir });
    const stream = await withJetStream(second.url, (manager) => manager.streams.info('BOOKINGS'));
    await second.stop();
    await rm(storeDir, { recursive: true });

    expect(second.url).toBe(first.url);
    expect(stream.config.subjects).toEqual(['bookings.>']);
  });
});

describe('testNatsUrl', () => {
  it('gives a NATS that answers', async () => {
    expect(await natsAnswers(await testNatsUrl())).toBe(true);
  });
});

async function withJetStream<T>(url: string, work: (manager: JetStreamManager) => Promise<T>): Promise<T> {
  const connection = await connect({ servers: url });
  try {
    return await work(await connection.jetstreamManager());
  } finally {
    await connection.close();
  }
}
