export interface Sent {
  providerMessageId?: string;
}

/**
 * One HTTP delivery with a deadline. A refusal or a timeout throws with the provider's status,
 * never with the message itself (it holds customer data).
 */
export async function send(
  url: string,
  init: RequestInit,
  timeoutMs: number,
  messageId: (response: Response) => Promise<string | undefined>,
): Promise<Sent> {
  let response: Response;
  try {
    response = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    throw new Error(`the provider did not answer: ${(error as Error).name}`);
  }
  if (!response.ok) throw new Error(`the provider refused the message: HTTP ${response.status}`);
  return { providerMessageId: await messageId(response).catch(() => undefined) };
}
