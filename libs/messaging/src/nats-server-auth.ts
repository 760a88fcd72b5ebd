import { NATS_ROLES, natsPermissions, type NatsRole } from '@calldesk/contracts';

/** A role's password in a server config: the value itself, or a variable nats-server reads from its environment. */
export type PasswordSource = { value: string } | { env: string };

/**
 * The `authorization` block of a nats-server config: one user per role (DESIGN §2), named after
 * it, with exactly its permissions. Nobody else can connect: no anonymous user is configured.
 */
export function natsServerAuthorization(passwordOf: (role: NatsRole) => PasswordSource): string {
  const users = NATS_ROLES.map((role) => {
    const permissions = natsPermissions(role);
    const password = passwordOf(role);
    const fields = [
      `user: ${JSON.stringify(role)}`,
      `password: ${'env' in password ? `$${password.env}` : JSON.stringify(password.value)}`,
      `permissions: {
        publish: { allow: ${list(permissions.publish)} }
        subscribe: { allow: ${list(permissions.subscribe)} }${permissions.allowResponses ? '\n        allow_responses: true' : ''}
      }`,
    ];
    return `    {\n      ${fields.join('\n      ')}\n    }`;
  });
  return `authorization {\n  users: [\n${users.join('\n')}\n  ]\n}\n`;
}

/** The environment variable that holds a role's password, for configs that read it from there. */
export function passwordVariable(role: NatsRole): string {
  return `NATS_PASSWORD_${role.toUpperCase().replace(/-/g, '_')}`;
}

function list(subjects: string[]): string {
  return `[${subjects.map((subject) => JSON.stringify(subject)).join(', ')}]`;
}
