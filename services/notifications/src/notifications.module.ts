import { Module } from '@nestjs/common';
import { EmailChannel } from './channels/email';
import { SmsChannel } from './channels/sms';
import { Deliveries } from './deliveries';
import { Notifier } from './notifier';

@Module({ providers: [Deliveries, SmsChannel, EmailChannel, Notifier] })
export class NotificationsModule {}
