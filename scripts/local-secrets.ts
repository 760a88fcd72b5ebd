import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The secrets a machine of one's own needs and nobody set: made once, kept under the data folder
 * (readable by its owner only), so that credentials stored in one run open in the next. Set in
 * the environment, they are left alone.
 */
export function localSecrets(dataDir: string, env: NodeJS.ProcessEnv): Record<string, string> {
  const file = path.join(dataDir, 'local-secrets.json');
  let saved: Record<string, string> = {};
  if (existsSync(file)) saved = JSON.parse(readFileSync(file, 'utf8'));
  const made = {
    CREDENTIALS_ENCRYPTION_KEYS: saved.CREDENTIALS_ENCRYPTION_KEYS ?? `local:${randomBytes(32).toString('base64')}`,
    CREDENTIALS_ACTIVE_KEY_ID: saved.CREDENTIALS_ACTIVE_KEY_ID ?? 'local',
    OAUTH_STATE_SECRET: saved.OAUTH_STATE_SECRET ?? randomBytes(32).toString('hex'),
    WEBHOOK_SECRET: saved.WEBHOOK_SECRET ?? randomBytes(32).toString('hex'),
    GATEWAY_ADMIN_TOKEN: saved.GATEWAY_ADMIN_TOKEN ?? randomBytes(32).toString('base64url'),
  };
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(file, JSON.stringify(made, null, 2), { mode: 0o600 });
  const fromEnvironment = Object.keys(made).filter((name) => env[name]);
  return Object.fromEntries(Object.entries(made).filter(([name]) => !fromEnvironment.includes(name)));
}
