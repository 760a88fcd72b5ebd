import { randomBytes, randomInt } from 'node:crypto';
import { Agent, get } from 'node:http';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { startGateways, type Gateways } from './gateway-under-test';

// A collection on demand, so that what the heap holds is what is live, not what is not yet collected.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function liveHeapBytes(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

/** A stranger's guess: half in the form of our keys (so it costs a database read), half anything. */
function randomToken(): string {
  return randomInt(2)
    ? `cdk_${randomBytes(32).toString('base64url')}`
    : randomBytes(randomInt(1, 120)).toString('base64url');
}

describe('a gateway against strangers', () => {
  let edge: Gateways;

  beforeAll(async () => {
    // No address limit to speak of: every guess reaches the key lookup, the worst case for memory.
    edge = await startGateways(1, { RATE_LIMIT_ADDRESS_PER_SECOND: '100000', RATE_LIMIT_ADDRESS_BURST: '100000' });
  }, 60_000);
  afterAll(() => edge?.stop(), 30_000);

  it('answers 100,000 random bearer tokens 401 or 429, and its heap grows by less than 5 MiB', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 32 });
    const statuses = new Map<number, number>();
    const ask = () =>
      new Promise<number>((resolve, reject) => {
        get(
          `${edge.gateways[0].url}/v1/tenant`,
          { agent, headers: { authorization: `Bearer ${randomToken()}` } },
          (response) => {
            response.resume().on('end', () => resolve(response.statusCode!));
          },
        ).on('error', reject);
      });
    const send = async (count: number) => {
      let sent = 0;
      await Promise.all(
        Array.from({ length: 32 }, async () => {
          while (sent++ < count) {
            const status = await ask();
            statuses.set(status, (statuses.get(status) ?? 0) + 1);
          }
        }),
      );
    };
    await send(2_000);
    const before = liveHeapBytes();
    await send(100_000);
    const grown = liveHeapBytes() - before;
    agent.destroy();
    expect([...statuses.keys()].filter((status) => status !== 401 && status !== 429)).toEqual([]);
    // Well within the 20 MiB asked for: remembering each guess, even in 100 bytes, would show as 10 MiB.
    expect(grown).toBeLessThan(5 * 1024 * 1024);
  }, 300_000);
});

describe('the gateway’s limits', () => {
  let edge: Gateways;

  beforeAll(async () => {
    edge = await startGateways(1, {
      RATE_LIMIT_ADDRESS_PER_SECOND: '1',
      RATE_LIMIT_ADDRESS_BURST: '5',
      RATE_LIMIT_KEY_PER_SECOND: '1',
      RATE_LIMIT_KEY_BURST: '10',
    });
  }, 60_000);
  afterAll(() => edge?.stop(), 30_000);

  const exhausted = (answer: Awaited<ReturnType<Gateways['call']>>) => {
    expect(answer.status).toBe(429);
    expect(Number(answer.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(answer.body).toEqual({ error: { code: 'resource_exhausted', message: expect.any(String), details: {} } });
  };

  it('hold each key to its own rate, and do not count a valid key’s calls against its address', async () => {
    const first = await edge.tenantKey();
    const second = await edge.tenantKey();
    const calls = [];
    for (let i = 0; i < 10; i++) calls.push(await edge.call('GET', '/v1/tenant', first.key));
    expect(calls.map((call) => call.status)).toEqual(Array(10).fill(200));
    const over = await edge.call('GET', '/v1/tenant', first.key);
    exhausted(over);
    expect(over.body.error.message).toBe('too many calls with this api key');
    expect((await edge.call('GET', '/v1/tenant', second.key)).status).toBe(200);
  });

  it('hold callers without a valid key to a rate per address', async () => {
    const seen = await edge.tenantKey();
    expect((await edge.call('GET', '/v1/tenant', seen.key)).status).toBe(200);
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await edge.call('GET', '/v1/tenant', 'a-guess')).status);
    expect(statuses).toEqual(Array(5).fill(401));
    const over = await edge.call('GET', '/v1/tenant', 'a-guess');
    exhausted(over);
    expect(over.body.error.message).toBe('too many calls without a valid key from this address');
    exhausted(await edge.call('GET', '/v1/oauth/google/callback?state=forged', 'none'));
    // With no proxy trusted (TRUST_PROXY_HOPS=0), a forwarded-for header changes nobody's address.
    exhausted(await edge.call('GET', '/v1/tenant', 'a-guess', { headers: { 'x-forwarded-for': '198.51.100.9' } }));
    // Known callers from the same address go on: the operator, and a key this gateway has seen.
    const fresh = await edge.tenantKey();
    expect((await edge.call('GET', '/v1/tenant', seen.key)).status).toBe(200);
    // A key not seen yet waits with the strangers: telling it from a guess costs a database read.
    exhausted(await edge.call('GET', '/v1/tenant', fresh.key));
  });
});
