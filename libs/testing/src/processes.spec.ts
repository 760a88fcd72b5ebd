import { createServer } from 'node:net';
import { freePort, startService, waitFor } from './processes';

describe('startService', () => {
  it('says to build first when the service is not built', async () => {
    await expect(startService('no-such-service')).rejects.toThrow(
      'dist/services/no-such-service/src/main.js not found: run npm run build first',
    );
  });
});

describe('waitFor', () => {
  it('polls until the predicate holds', async () => {
    let calls = 0;

    await waitFor(() => ++calls === 3, { intervalMs: 1 });

    expect(calls).toBe(3);
  });

  it('fails after the timeout with the last error of the predicate', async () => {
    const failing = () => {
      throw new Error('connection refused');
    };

    await expect(waitFor(failing, { timeoutMs: 30, intervalMs: 5 })).rejects.toThrow(
      'condition not met within 30 ms (last error: connection refused)',
    );
  });
});

describe('freePort', () => {
  it('gives a port that can be listened on', async () => {
    const port = await freePort();
    const server = createServer();

    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    await new Promise((resolve) => server.close(resolve));

    expect(port).toBeGreaterThan(0);
  });
});
