import { getContainerRuntimeClient } from 'testcontainers';

/** Whether a container runtime answers, for the fallbacks used when NATS_URL or DATABASE_URL is unset. */
export async function containerRuntimeAnswers(): Promise<boolean> {
  try {
    await getContainerRuntimeClient();
    return true;
  } catch {
    return false;
  }
}
