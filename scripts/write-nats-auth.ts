import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { deployedNatsAuthorization } from '@calldesk/messaging';

// This file runs as dist/scripts/write-nats-auth.js (`npm run gen:nats-auth`).
const FILE = path.resolve(__dirname, '..', '..', 'deploy', 'nats', 'auth.conf');

writeFileSync(FILE, deployedNatsAuthorization());
console.log(`wrote ${path.relative(process.cwd(), FILE)}`);
