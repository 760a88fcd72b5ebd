import { RpcError } from '@calldesk/contracts';

const MAX_NAME_LENGTH = 200;
const MAX_EMAIL_LENGTH = 254;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A display name: trimmed, not blank, at most 200 characters. */
export function checkName(field: string, value: string): string {
  const name = value.trim();
  if (name === '') throw RpcError.invalidArgument(field, `${field} must not be blank`);
  if ([...name].length > MAX_NAME_LENGTH) {
    throw RpcError.invalidArgument(field, `${field} must be at most ${MAX_NAME_LENGTH} characters`);
  }
  return name;
}

/** An email address, or '' for none. */
export function checkEmail(field: string, value: string): string {
  const email = value.trim();
  if (email !== '' && (email.length > MAX_EMAIL_LENGTH || !EMAIL.test(email))) {
    throw RpcError.invalidArgument(field, `${field} must be an email address`);
  }
  return email;
}

/** Ids are Postgres UUIDs; anything else names nothing, and must not reach a uuid column. */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}
