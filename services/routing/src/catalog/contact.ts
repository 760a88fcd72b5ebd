import { NotificationChannel, RpcError } from '@calldesk/contracts';

export type ChannelName = 'sms' | 'email' | 'none';

export interface Contact {
  email: string | null;
  phone: string | null;
  /** The member's own choice; null: follow the contact details (see notifyChannel). */
  notifyBy: ChannelName | null;
}

/** How a member hears of bookings: their choice, else sms with a phone, else email with an email. */
export function notifyChannel(contact: Contact): ChannelName {
  return contact.notifyBy ?? (contact.phone ? 'sms' : contact.email ? 'email' : 'none');
}

/**
 * A chosen channel needs its contact detail. The error names notifyBy when the request chose
 * the channel, else the detail the request took away.
 */
export function checkChannelReachable(contact: Contact, channelInRequest: boolean): void {
  if (contact.notifyBy === 'sms' && !contact.phone) {
    throw RpcError.invalidArgument(channelInRequest ? 'notifyBy' : 'phone', 'notifyBy sms needs a phone');
  }
  if (contact.notifyBy === 'email' && !contact.email) {
    throw RpcError.invalidArgument(channelInRequest ? 'notifyBy' : 'email', 'notifyBy email needs an email');
  }
}

export function channelName(channel: NotificationChannel): ChannelName {
  return NotificationChannel[channel] as ChannelName;
}
