import { startTelemetry } from '@calldesk/telemetry';

// Imported first by main.ts, so that pg and http are traced from their first call.
startTelemetry('connector-google');
