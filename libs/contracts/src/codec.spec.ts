import { create } from '@bufbuild/protobuf';
import {
  BookingOutcome_Outcome,
  BookingOutcomeSchema,
  CreateBookingRequestSchema,
  ExplainSlotResponseSchema,
  FindSlotsRequestSchema,
  HealthRequestSchema,
  SetAvailabilityRequestSchema,
} from '.';
import { decodeJson, encodeJson } from './codec';
import { RpcError } from './rpc-error';

const validCreate = {
  idempotencyKey: 'call-1',
  tenantId: 't1',
  serviceId: 's1',
  start: '2026-12-01T09:00:00-05:00',
  customer: { name: 'Ana', phone: '+14155550123' },
};

function decodeError(schema: Parameters<typeof decodeJson>[0], body: unknown): RpcError {
  try {
    decodeJson(schema, typeof body === 'string' ? body : JSON.stringify(body));
  } catch (error) {
    expect(error).toBeInstanceOf(RpcError);
    return error as RpcError;
  }
  throw new Error('expected decoding to fail');
}

describe('decodeJson', () => {
  it('decodes a valid request into its message', () => {
    const request = decodeJson(CreateBookingRequestSchema, JSON.stringify(validCreate));
    expect(request.customer?.phone).toBe('+14155550123');
    expect(request.memberId).toBeUndefined();
  });

  it('accepts proto field names as well as JSON names, and bytes', () => {
    const { tenantId: _dropped, ...rest } = validCreate;
    const body = new TextEncoder().encode(JSON.stringify({ ...rest, tenant_id: 't9' }));
    expect(decodeJson(CreateBookingRequestSchema, body).tenantId).toBe('t9');
  });

  it('reads an empty body as an empty message', () => {
    expect(decodeJson(HealthRequestSchema, '')).toBeDefined();
  });

  it.each([
    ['unparseable JSON', '{"tenantId": ', undefined, 'the body is not valid JSON'],
    ['a body that is not an object', '[1]', undefined, 'the body must be a JSON object'],
    [
      'an unknown field',
      { ...validCreate, color: 'red' },
      'color',
      'color is not a field of calendar.v1.CreateBookingRequest',
    ],
    ['a number where a string belongs', { ...validCreate, tenantId: 7 }, 'tenantId', 'tenantId must be a string'],
    ['a missing required field', { ...validCreate, serviceId: undefined }, 'serviceId', 'serviceId is required'],
    [
      'an empty required string',
      { ...validCreate, idempotencyKey: '' },
      'idempotencyKey',
      'idempotencyKey is required',
    ],
    [
      'a time without offset',
      { ...validCreate, start: '2026-12-01T09:00:00' },
      'start',
      'start must be an RFC 3339 time with offset',
    ],
    [
      'an impossible date',
      { ...validCreate, start: '2026-13-01T09:00:00Z' },
      'start',
      'start must be an RFC 3339 time with offset',
    ],
    [
      'a nested bad phone',
      { ...validCreate, customer: { name: 'A', phone: '555' } },
      'customer.phone',
      'customer.phone must be an E.164 phone number (e.g. +14155550123)',
    ],
    [
      'a nested missing name',
      { ...validCreate, customer: { phone: '+14155550123' } },
      'customer.name',
      'customer.name is required',
    ],
    [
      'a nested value of the wrong shape',
      { ...validCreate, customer: 'Ana' },
      'customer',
      'customer must be an object',
    ],
    [
      'a bad URL',
      { ...validCreate, transcriptUrl: 'ftp://x' },
      'transcriptUrl',
      'transcriptUrl must be an http or https URL',
    ],
  ])('refuses %s as invalid_argument naming the field', (_case, body, field, message) => {
    const error = decodeError(CreateBookingRequestSchema, body);
    expect(error.code).toBe('invalid_argument');
    expect(error.message).toBe(message);
    expect(error.details.field).toBe(field);
  });

  it('checks integers, zones and items of lists with their index', () => {
    expect(
      decodeError(FindSlotsRequestSchema, {
        tenantId: 't',
        serviceId: 's',
        from: '2026-01-01T00:00:00Z',
        to: '2026-01-02T00:00:00Z',
        limit: 2.5,
      }).details.field,
    ).toBe('limit');
    expect(
      decodeError(FindSlotsRequestSchema, {
        tenantId: 't',
        serviceId: 's',
        from: '2026-01-01T00:00:00Z',
        to: '2026-01-02T00:00:00Z',
        timeZone: 'Mars/Base',
      }).message,
    ).toBe('timeZone must be an IANA time zone (e.g. Europe/London)');
    const error = decodeError(SetAvailabilityRequestSchema, {
      tenantId: 't',
      memberId: 'm',
      weeklyHours: [
        { weekday: 1, start: '09:00', end: '17:00' },
        { weekday: 2, start: '9am', end: '17:00' },
      ],
    });
    expect(error.details.field).toBe('weeklyHours[1].start');
  });

  it.each([
    [
      'a bare CR in a name',
      { ...validCreate, customer: { name: 'Ana\rX-INJECTED:1', phone: '+14155550123' } },
      'customer.name',
      'U+000D',
    ],
    [
      'a LF in a name',
      { ...validCreate, customer: { name: 'Ana\nBob', phone: '+14155550123' } },
      'customer.name',
      'U+000A',
    ],
    ['a TAB in an id', { ...validCreate, serviceId: 's\t1' }, 'serviceId', 'U+0009'],
    ['a NUL in an idempotency key', { ...validCreate, idempotencyKey: 'k\u0000' }, 'idempotencyKey', 'U+0000'],
    ['a CR in notes', { ...validCreate, notes: 'first\r\nsecond' }, 'notes', 'U+000D'],
    ['an escape in notes', { ...validCreate, notes: 'red \u001b[31m' }, 'notes', 'U+001B'],
    ['a C1 next-line in notes', { ...validCreate, notes: 'a\u0085b' }, 'notes', 'U+0085'],
    ['a line separator in notes', { ...validCreate, notes: 'a\u2028b' }, 'notes', 'U+2028'],
    [
      'a CR in a URL, which URL parsing would drop',
      { ...validCreate, transcriptUrl: 'https://x.test/\rt' },
      'transcriptUrl',
      'U+000D',
    ],
    [
      'a DEL in a list item',
      {
        tenantId: 't',
        memberId: 'm',
        blocked: [
          { date: '2026-12-24', label: 'ok' },
          { date: '2026-12-25', label: 'x\u007f' },
        ],
      },
      'blocked[1].label',
      'U+007F',
    ],
  ])('refuses %s, naming the field and the character', (_case, body, field, character) => {
    const schema = 'memberId' in body ? SetAvailabilityRequestSchema : CreateBookingRequestSchema;
    const error = decodeError(schema, body);
    expect(error.code).toBe('invalid_argument');
    expect(error.details.field).toBe(field);
    expect(error.message).toBe(`${field} must not contain control characters (${character})`);
  });

  it('takes ordinary spaces anywhere, and LF and TAB in notes', () => {
    const notes = 'Allergic to latex.\n\tBring the form.';
    const request = decodeJson(
      CreateBookingRequestSchema,
      JSON.stringify({ ...validCreate, customer: { name: 'Ana María  de la Cruz', phone: '+14155550123' }, notes }),
    );
    expect(request.customer?.name).toBe('Ana María  de la Cruz');
    expect(request.notes).toBe(notes);
  });

  it('refuses an unknown enum name', () => {
    const error = decodeError(BookingOutcomeSchema, { outcome: 'maybe' });
    expect(error.message).toBe('outcome must be one of confirmed, conflict');
  });
});

describe('encodeJson', () => {
  it('emits false and empty lists so every language sees them', () => {
    const json = JSON.parse(encodeJson(ExplainSlotResponseSchema, create(ExplainSlotResponseSchema, {})));
    expect(json).toEqual({ bookable: false });
    const outcome = JSON.parse(
      encodeJson(BookingOutcomeSchema, create(BookingOutcomeSchema, { outcome: BookingOutcome_Outcome.conflict })),
    );
    expect(outcome).toEqual({ outcome: 'conflict', alternatives: [] });
  });
});
