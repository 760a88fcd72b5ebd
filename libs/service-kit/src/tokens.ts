/** The parsed configuration of the running service (its zod shape's output). */
export const SERVICE_CONFIG = Symbol('SERVICE_CONFIG');
/** The service's JSON logger. */
export const LOGGER = Symbol('LOGGER');
/** The service's name, e.g. `booking`. */
export const SERVICE_NAME = Symbol('SERVICE_NAME');
