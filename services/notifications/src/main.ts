import './telemetry';
import { runService } from '@calldesk/service-kit';
import { notificationsConfig } from './config';
import { migrations } from './migrations';
import { NotificationsModule } from './notifications.module';

void runService({ service: 'notifications', module: NotificationsModule, config: notificationsConfig, migrations });
