import {
  fromJson,
  getOption,
  hasOption,
  ScalarType,
  toJsonString,
  type DescField,
  type DescMessage,
  type JsonValue,
  type MessageShape,
} from '@bufbuild/protobuf';
import { formats } from './formats';
import { format as formatOption, required as requiredOption } from './gen/calendar/options_pb';
import { RpcError } from './rpc-error';
import { forbiddenCharacter } from './text';

const decoder = new TextDecoder();

/**
 * Decodes a JSON body strictly: unparseable JSON, an unknown field, a value of the wrong type, a
 * missing `(calendar.required)` field, a value breaking its `(calendar.format)` or a string with a
 * control character (LF and TAB only where the format is `multiline`) is an `invalid_argument`
 * RpcError whose details name the field. An empty body reads as `{}`.
 */
export function decodeJson<Desc extends DescMessage>(schema: Desc, body: Uint8Array | string): MessageShape<Desc> {
  const text = typeof body === 'string' ? body : decoder.decode(body);
  let json: unknown;
  try {
    json = text.trim() === '' ? {} : JSON.parse(text);
  } catch {
    throw new RpcError('invalid_argument', 'the body is not valid JSON', {});
  }
  checkMessage(schema, json, '');
  try {
    return fromJson(schema, json as JsonValue);
  } catch (error) {
    throw new RpcError('invalid_argument', (error as Error).message, {});
  }
}

/** Encodes with every field present, so that `false`, `0` and `[]` reach callers in any language. */
export function encodeJson<Desc extends DescMessage>(schema: Desc, message: MessageShape<Desc>): string {
  return toJsonString(schema, message, { alwaysEmitImplicit: true });
}

/** What a field's options demand: `(calendar.required)`, and its `(calendar.format)` name or ''. */
export function fieldOptions(field: DescField): { required: boolean; format: string } {
  return {
    required: hasOption(field, requiredOption) && getOption(field, requiredOption),
    format: hasOption(field, formatOption) ? getOption(field, formatOption) : '',
  };
}

interface FieldRules {
  field: DescField;
  required: boolean;
  /** `(calendar.format) = "multiline"`: text that may break lines. */
  multiline: boolean;
  format?: (value: string) => string | null;
}

const MULTILINE = 'multiline';

const rulesCache = new WeakMap<DescMessage, Map<string, FieldRules>>();

function checkMessage(desc: DescMessage, json: unknown, path: string): void {
  if (!isPlainObject(json)) {
    throw invalid(path, path === '' ? 'the body must be a JSON object' : `${path} must be an object`);
  }
  const rules = rulesOf(desc);
  for (const [key, value] of Object.entries(json)) {
    const rule = rules.get(key);
    if (!rule) throw invalid(join(path, key), `${join(path, key)} is not a field of ${desc.typeName}`);
    if (value !== null) checkField(rule, value, join(path, rule.field.jsonName));
  }
  for (const rule of new Set(rules.values())) {
    if (!rule.required) continue;
    const value = json[rule.field.jsonName] ?? json[rule.field.name];
    if (isEmpty(rule.field, value)) {
      const fieldPath = join(path, rule.field.jsonName);
      throw invalid(fieldPath, `${fieldPath} is required`);
    }
  }
}

function checkField(rule: FieldRules, value: unknown, path: string): void {
  const { field } = rule;
  switch (field.fieldKind) {
    case 'scalar':
      return checkScalar(field.scalar, value, path, rule);
    case 'enum':
      return checkEnum(field.enum.values, value, path);
    case 'message':
      return checkNested(field.message, value, path);
    case 'list': {
      if (!Array.isArray(value)) throw invalid(path, `${path} must be an array`);
      value.forEach((item, index) => {
        const itemPath = `${path}[${index}]`;
        if (field.listKind === 'scalar') checkScalar(field.scalar, item, itemPath, rule);
        else if (field.listKind === 'enum') checkEnum(field.enum.values, item, itemPath);
        else checkNested(field.message, item, itemPath);
      });
      return;
    }
    case 'map':
      if (!isPlainObject(value)) throw invalid(path, `${path} must be an object`);
      return;
  }
}

function checkNested(desc: DescMessage, value: unknown, path: string): void {
  // Well-known types have their own JSON forms; fromJson checks them.
  if (desc.typeName.startsWith('google.protobuf.')) return;
  checkMessage(desc, value, path);
}

function checkScalar(scalar: ScalarType, value: unknown, path: string, rule: FieldRules): void {
  switch (scalar) {
    case ScalarType.STRING: {
      if (typeof value !== 'string') throw invalid(path, `${path} must be a string`);
      const character = forbiddenCharacter(value, rule.multiline);
      if (character) throw invalid(path, `${path} must not contain control characters (${character})`);
      const reason = rule.format && value !== '' ? rule.format(value) : null;
      if (reason) throw invalid(path, `${path} ${reason}`);
      return;
    }
    case ScalarType.BOOL:
      if (typeof value !== 'boolean') throw invalid(path, `${path} must be true or false`);
      return;
    case ScalarType.DOUBLE:
    case ScalarType.FLOAT:
      if (typeof value !== 'number' || !Number.isFinite(value)) throw invalid(path, `${path} must be a number`);
      return;
    case ScalarType.INT32:
    case ScalarType.SINT32:
    case ScalarType.SFIXED32:
      return checkInteger(value, path, -(2 ** 31), 2 ** 31 - 1);
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
      return checkInteger(value, path, 0, 2 ** 32 - 1);
    case ScalarType.BYTES:
      if (typeof value !== 'string') throw invalid(path, `${path} must be a base64 string`);
      return;
    default:
      // 64-bit integers travel as decimal strings in proto3 JSON; numbers are accepted when exact.
      if (typeof value === 'string' ? !/^-?\d+$/.test(value) : !Number.isSafeInteger(value)) {
        throw invalid(path, `${path} must be an integer`);
      }
  }
}

function checkInteger(value: unknown, path: string, min: number, max: number): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalid(path, `${path} must be an integer from ${min} to ${max}`);
  }
}

function checkEnum(values: readonly { name: string; number: number }[], value: unknown, path: string): void {
  const known = values.slice(1);
  const ok = typeof value === 'string' ? known.some((v) => v.name === value) : known.some((v) => v.number === value);
  if (!ok) throw invalid(path, `${path} must be one of ${known.map((v) => v.name).join(', ')}`);
}

function isEmpty(field: DescField, value: unknown): boolean {
  if (value === undefined || value === null || value === '') return true;
  if (field.fieldKind === 'list') return Array.isArray(value) && value.length === 0;
  if (field.fieldKind === 'enum') return value === field.enum.values[0].name || value === 0;
  return false;
}

function rulesOf(desc: DescMessage): Map<string, FieldRules> {
  let rules = rulesCache.get(desc);
  if (!rules) {
    rules = new Map();
    for (const field of desc.fields) {
      const { required, format: formatName } = fieldOptions(field);
      const rule: FieldRules = {
        field,
        required,
        multiline: formatName === MULTILINE,
        format: formatName && formatName !== MULTILINE ? formats[formatName] : undefined,
      };
      if (formatName && formatName !== MULTILINE && !rule.format)
        throw new Error(`${field.toString()} names unknown format ${formatName}`);
      rules.set(field.jsonName, rule);
      rules.set(field.name, rule);
    }
    rulesCache.set(desc, rules);
  }
  return rules;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

function invalid(field: string, message: string): RpcError {
  return field === '' ? new RpcError('invalid_argument', message) : RpcError.invalidArgument(field, message);
}
