export {
  FakeHttpServer,
  selectFields,
  type Delivery,
  type FaultRule,
  type RecordedAnswer,
  type RecordedRequest,
} from './fake-http';
export {
  FakeGoogle,
  GOOGLE_SCOPES,
  type Consent,
  type EventInput,
  type FakeGoogleCalendar,
  type FakeGoogleChannel,
  type FakeGoogleOptions,
  type GoogleEvent,
} from './fake-google';
export { startInProcessHttpService, type InProcessHttpService } from './in-process-http';
export { captureOutput, type CapturedOutput } from './capture-output';
export {
  FakeMicrosoft,
  GRAPH_TENANT_ID,
  type FakeGraphCalendar,
  type FakeGraphSubscription,
  type FakeMicrosoftOptions,
  type GraphEvent,
  type GraphEventInput,
} from './fake-microsoft';
