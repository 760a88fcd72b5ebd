import type { DescMessage, MessageInitShape, MessageShape } from '@bufbuild/protobuf';
import type { Rpc } from '@calldesk/contracts';
import type { Bus } from './bus';

/**
 * Calls a paged subject (`pageToken` in, `nextPageToken` out) page after page until the last,
 * handing each answer to `each` before asking for the next.
 */
export async function forEachPage<Req extends DescMessage, Res extends DescMessage>(
  bus: Bus,
  rpc: Rpc<Req, Res>,
  request: MessageInitShape<Req> & { pageToken?: string },
  each: (page: MessageShape<Res>) => Promise<void>,
): Promise<void> {
  let pageToken = request.pageToken;
  do {
    const page = (await bus.request(rpc, { ...request, pageToken })) as MessageShape<Res> & { nextPageToken?: string };
    await each(page);
    pageToken = page.nextPageToken;
  } while (pageToken);
}
