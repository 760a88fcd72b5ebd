import { ScalarType, type DescField, type DescMessage } from '@bufbuild/protobuf';
import { fieldOptions } from '@calldesk/contracts';

export type JsonSchema = Record<string, unknown>;

/** How each `(calendar.format)` reads in JSON Schema. */
const FORMATS: Record<string, JsonSchema> = {
  rfc3339: { format: 'date-time' },
  date: { format: 'date' },
  url: { format: 'uri' },
  email: { format: 'email' },
  local_time: { pattern: '^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$' },
  e164: { pattern: '^\\+[1-9][0-9]{6,14}$' },
  iana_zone: { description: 'an IANA time zone, e.g. Europe/London' },
  multiline: { description: 'may break lines (LF) and indent (TAB)' },
};

/**
 * JSON Schemas (OpenAPI 3.1) of the contract's messages, derived from their descriptors: the
 * proto3 JSON names and types, the enums' names, `(calendar.required)` and `(calendar.format)`.
 * Each message becomes one component, referred to wherever it is used.
 */
export class MessageSchemas {
  readonly components: Record<string, JsonSchema> = {};

  /** A reference to the message's component, made on first use. */
  ref(message: DescMessage): JsonSchema {
    const name = componentName(message);
    if (!(name in this.components)) {
      this.components[name] = {};
      this.components[name] = this.object(message);
    }
    return { $ref: `#/components/schemas/${name}` };
  }

  /** The message as an object schema, less the fields named in `omit`. */
  object(message: DescMessage, omit: ReadonlySet<string> = new Set()): JsonSchema {
    const fields = message.fields.filter((field) => !omit.has(field.jsonName));
    const required = fields.filter(isRequired).map((field) => field.jsonName);
    return {
      type: 'object',
      properties: Object.fromEntries(fields.map((field) => [field.jsonName, this.field(field)])),
      ...(required.length ? { required } : {}),
      additionalProperties: false,
    };
  }

  /** One field's schema, as a query parameter or a property. */
  field(field: DescField): JsonSchema {
    switch (field.fieldKind) {
      case 'scalar':
        return scalar(field.scalar, formatOf(field));
      case 'enum':
        return enumeration(field.enum.values);
      case 'message':
        return this.message(field.message);
      case 'list':
        return {
          type: 'array',
          items:
            field.listKind === 'scalar'
              ? scalar(field.scalar, formatOf(field))
              : field.listKind === 'enum'
                ? enumeration(field.enum.values)
                : this.message(field.message),
        };
      case 'map':
        return {
          type: 'object',
          additionalProperties:
            field.mapKind === 'message'
              ? this.message(field.message)
              : field.mapKind === 'enum'
                ? enumeration(field.enum.values)
                : scalar(field.scalar),
        };
    }
  }

  private message(message: DescMessage): JsonSchema {
    // The well-known types have JSON forms of their own; the contract uses Struct (error details).
    if (message.typeName === 'google.protobuf.Struct') return { type: 'object' };
    return this.ref(message);
  }
}

export function isRequired(field: DescField): boolean {
  return fieldOptions(field).required;
}

/** `calendar.v1.Booking` is `v1.Booking`; the internal messages the HTTP API shows are `internal.v1.*`. */
function componentName(message: DescMessage): string {
  return message.typeName.replace(/^calendar\./, '');
}

function formatOf(field: DescField): string {
  return fieldOptions(field).format;
}

function scalar(type: ScalarType, format = ''): JsonSchema {
  const extra = FORMATS[format] ?? {};
  switch (type) {
    case ScalarType.STRING:
      return { type: 'string', ...extra };
    case ScalarType.BOOL:
      return { type: 'boolean' };
    case ScalarType.DOUBLE:
    case ScalarType.FLOAT:
      return { type: 'number' };
    case ScalarType.INT32:
    case ScalarType.SINT32:
    case ScalarType.SFIXED32:
      return { type: 'integer', format: 'int32' };
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
      return { type: 'integer', minimum: 0, maximum: 2 ** 32 - 1 };
    case ScalarType.BYTES:
      return { type: 'string', contentEncoding: 'base64' };
    default:
      // 64-bit integers are decimal strings in proto3 JSON.
      return { type: 'string', pattern: '^-?[0-9]+$' };
  }
}

function enumeration(values: readonly { name: string; number: number }[]): JsonSchema {
  // Value 0 is each enum's "unspecified": never a valid value.
  return { type: 'string', enum: values.filter((value) => value.number !== 0).map((value) => value.name) };
}
