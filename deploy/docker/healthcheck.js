'use strict';
// Docker HEALTHCHECK: GET /healthz (liveness). The gateway serves it on its API port; every other
// service on HEALTH_PORT. Kubernetes ignores this and uses the probes in deploy/k8s.
const http = require('node:http');

const port = process.env.SERVICE === 'gateway' ? process.env.PORT || 8080 : process.env.HEALTH_PORT;
if (!port) process.exit(0); // HEALTH_PORT unset: the service serves no health endpoint to ask

const request = http.get({ host: '127.0.0.1', port, path: '/healthz', timeout: 3000 }, (response) => {
  response.resume();
  process.exit(response.statusCode === 200 ? 0 : 1);
});
request.on('timeout', () => request.destroy(new Error('timeout')));
request.on('error', () => process.exit(1));
