import { startTelemetry } from '@calldesk/telemetry';

// Imported first by main.ts, so that http and pg are traced from their first call.
startTelemetry('gateway');
