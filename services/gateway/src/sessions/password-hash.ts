import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/** scrypt at N = 2^15, r = 8, p = 1: about 32 MiB and a few tens of milliseconds a guess. */
const COST = { log2N: 15, r: 8, p: 1 };
const KEY_LENGTH = 32;

/** A password as it is stored: `scrypt$log2N$r$p$salt$hash`, so that a later cost still reads old hashes. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await derive(password, salt, COST.log2N, COST.r, COST.p);
  return ['scrypt', COST.log2N, COST.r, COST.p, salt.toString('base64url'), hash.toString('base64url')].join('$');
}

export async function passwordMatches(password: string, stored: string): Promise<boolean> {
  const [scheme, log2N, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const actual = await derive(
    password,
    Buffer.from(salt, 'base64url'),
    Number(log2N),
    Number(r),
    Number(p),
    expected.length,
  );
  return timingSafeEqual(actual, expected);
}

/**
 * A stored hash of no password: an unknown email is checked against it, so that the answer takes
 * as long as for a known one and timing tells no one which emails have accounts.
 */
export const NO_PASSWORD_HASH = `scrypt$${COST.log2N}$${COST.r}$${COST.p}$${Buffer.alloc(16).toString('base64url')}$${Buffer.alloc(KEY_LENGTH).toString('base64url')}`;

function derive(
  password: string,
  salt: Buffer,
  log2N: number,
  r: number,
  p: number,
  length = KEY_LENGTH,
): Promise<Buffer> {
  const N = 2 ** log2N;
  // scrypt needs 128·N·r bytes; Node's default ceiling (32 MiB) is just short of that at these costs.
  const options: ScryptOptions = { N, r, p, maxmem: 256 * N * r };
  return new Promise((resolve, reject) =>
    scrypt(password.normalize('NFKC'), salt, length, options, (error, key) => (error ? reject(error) : resolve(key))),
  );
}
