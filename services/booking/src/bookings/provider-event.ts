/** What the provider event says: for the owner reading their calendar, never read back by us. */
export function eventText(booking: {
  id: string;
  serviceName: string;
  customerName: string;
  customerPhone: string;
  notes?: string;
  transcriptUrl?: string;
}): { title: string; description: string } {
  const lines = [
    `Customer: ${booking.customerName}`,
    `Phone: ${booking.customerPhone}`,
    `Service: ${booking.serviceName}`,
    ...(booking.notes ? [`Notes: ${booking.notes}`] : []),
    ...(booking.transcriptUrl ? [`Call transcript: ${booking.transcriptUrl}`] : []),
    `Booking: ${booking.id}`,
  ];
  return { title: `${booking.serviceName} — ${booking.customerName}`, description: lines.join('\n') };
}
