import type { baseConfig } from '@calldesk/config';
import type { ServiceName } from '@calldesk/contracts';
import type { Migrations } from '@calldesk/persistence';
import type { Type } from '@nestjs/common';

/** What runService is given for a service, as a test boots it. */
export interface ServiceParts {
  module: Type;
  migrations: Migrations;
  configShape: typeof baseConfig;
}

/**
 * Every service's module, migrations and config shape, loaded when a test first boots it. The one
 * place a test reaches into services' src/: specs name the service they start, never its files.
 */
const SERVICES: Record<ServiceName, () => Promise<ServiceParts>> = {
  async availability() {
    const [{ AvailabilityModule }, { migrations }, { availabilityConfig }] = await Promise.all([
      import('../../../services/availability/src/availability.module'),
      import('../../../services/availability/src/migrations'),
      import('../../../services/availability/src/config'),
    ]);
    return { module: AvailabilityModule, migrations, configShape: availabilityConfig };
  },
  async booking() {
    const [{ BookingModule }, { migrations }, { bookingConfig }] = await Promise.all([
      import('../../../services/booking/src/booking.module'),
      import('../../../services/booking/src/migrations'),
      import('../../../services/booking/src/config'),
    ]);
    return { module: BookingModule, migrations, configShape: bookingConfig };
  },
  async 'connector-caldav'() {
    const [{ ConnectorCaldavModule }, { migrations }, { caldavConfig }] = await Promise.all([
      import('../../../services/connector-caldav/src/connector-caldav.module'),
      import('../../../services/connector-caldav/src/migrations'),
      import('../../../services/connector-caldav/src/config'),
    ]);
    return { module: ConnectorCaldavModule, migrations, configShape: caldavConfig };
  },
  async 'connector-google'() {
    const [{ ConnectorGoogleModule }, { migrations }, { googleConfig }] = await Promise.all([
      import('../../../services/connector-google/src/connector-google.module'),
      import('../../../services/connector-google/src/migrations'),
      import('../../../services/connector-google/src/config'),
    ]);
    return { module: ConnectorGoogleModule, migrations, configShape: googleConfig };
  },
  async 'connector-microsoft'() {
    const [{ ConnectorMicrosoftModule }, { migrations }, { microsoftConfig }] = await Promise.all([
      import('../../../services/connector-microsoft/src/connector-microsoft.module'),
      import('../../../services/connector-microsoft/src/migrations'),
      import('../../../services/connector-microsoft/src/config'),
    ]);
    return { module: ConnectorMicrosoftModule, migrations, configShape: microsoftConfig };
  },
  async gateway() {
    const [{ GatewayModule }, { migrations }, { gatewayConfig }] = await Promise.all([
      import('../../../services/gateway/src/gateway.module'),
      import('../../../services/gateway/src/migrations'),
      import('../../../services/gateway/src/config'),
    ]);
    return { module: GatewayModule, migrations, configShape: gatewayConfig };
  },
  async notifications() {
    const [{ NotificationsModule }, { migrations }, { notificationsConfig }] = await Promise.all([
      import('../../../services/notifications/src/notifications.module'),
      import('../../../services/notifications/src/migrations'),
      import('../../../services/notifications/src/config'),
    ]);
    return { module: NotificationsModule, migrations, configShape: notificationsConfig };
  },
  async routing() {
    const [{ RoutingModule }, { routingMigrations }, { routingConfig }] = await Promise.all([
      import('../../../services/routing/src/routing.module'),
      import('../../../services/routing/src/migrations'),
      import('../../../services/routing/src/config'),
    ]);
    return { module: RoutingModule, migrations: routingMigrations, configShape: routingConfig };
  },
};

export function serviceParts(service: ServiceName): Promise<ServiceParts> {
  return SERVICES[service]();
}
