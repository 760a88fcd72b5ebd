import './telemetry';
import { baseConfig } from '@calldesk/config';
import { runService } from '@calldesk/service-kit';
import { NotificationsModule } from './notifications.module';

void runService({ service: 'notifications', module: NotificationsModule, config: baseConfig });
