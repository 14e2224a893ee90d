// Compiled by `tsc -p tsconfig.json` only (not a vitest file): a dependent project's imports,
// through the package's own name and its `exports` map, resolve and carry the types.
import { createChatApiClient, type ApiResult, type ChatResponse } from 'chatapi-contract/client';
import { createWebhookHandler } from 'chatapi-contract/webhook';

export async function firstAnswer(baseUrl: string): Promise<string | undefined> {
  const api = createChatApiClient({ baseUrl, token: 'chatapi-dev-token' });
  const result: ApiResult<'sendMessage'> = await api.sendMessage({ clientId: 'user-42', query: 'Hello' });
  const reply: ChatResponse | undefined = result.ok ? result.data : undefined;
  // @ts-expect-error the exports map carries the types: `answer` is a string, not a number
  const wrong: number | undefined = reply?.data.answer;
  void wrong;
  return reply?.data.answer;
}

export const handler = createWebhookHandler((item) => {
  const answer: string = item.data.answer;
  void answer;
});
