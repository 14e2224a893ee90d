// Type tests, compiled by `tsc -p tsconfig.json` (types.test.ts runs it): every misuse below must
// fail to compile, and an `@ts-expect-error` that no longer meets an error fails the build. Never run.
import { createChatApiClient, isClientFailure, type ApiResult } from '../../client/index.js';

const api = createChatApiClient({ baseUrl: 'http://127.0.0.1:3000', token: 'chatapi-dev-token' });

export async function misuse(): Promise<void> {
  // --- unknown operations
  // @ts-expect-error there is no such operation
  await api.deleteHistory({ clientId: 'user-42' });
  // @ts-expect-error no such path in the description
  await api.raw.GET('/chatapi/{token}/client/{clientId}/profile', { params: { path: { token: 't', clientId: 'c' } } });
  // @ts-expect-error the path exists, but not with this method
  await api.raw.DELETE('/chatapi/{token}/client/{clientId}/state', { params: { path: { token: 't', clientId: 'c' } } });

  // --- wrong path parameters
  // @ts-expect-error questionId is missing
  await api.getMessageStatus({ clientId: 'user-42' });
  // @ts-expect-error clientId is a string
  await api.getNotReadCount({ clientId: 42 });
  // @ts-expect-error openapi-fetch: the path parameter is `token`, not `tokn`
  await api.raw.GET('/chatapi/{token}/client/{clientId}/state', { params: { path: { tokn: 't', clientId: 'c' } } });
  // @ts-expect-error openapi-fetch: path parameters are required
  await api.raw.GET('/chatapi/{token}/client/{clientId}/message-not-read-count', {});

  // --- wrong query parameters
  // @ts-expect-error ts is epoch milliseconds, a number
  await api.getEvents({ clientId: 'user-42', ts: '2026-01-01' });
  // @ts-expect-error the simplified send takes query or event, not both
  await api.sendMessageSimple({ clientId: 'user-42', query: 'Hello', event: 'chatOpened' });
  // @ts-expect-error the simplified send needs query or event
  await api.sendMessageSimple({ clientId: 'user-42' });

  // --- wrong bodies
  // @ts-expect-error a request needs query or event
  await api.sendMessage({ clientId: 'user-42' });
  // @ts-expect-error query is a string
  await api.sendMessage({ clientId: 'user-42', query: 42 });
  // @ts-expect-error clientId is required
  await api.sendMessageAsync({ query: 'Hello' });
  // @ts-expect-error not a status of the description
  await api.setMessageStatus({ clientId: 'user-42', questionId: 'q-1', status: 'SEEN' });
  // @ts-expect-error statuses are {questionId, status} objects
  await api.setMessageStatuses({ clientId: 'user-42', statuses: ['READ'] });
  // @ts-expect-error openapi-fetch: the body of setMessageStatus is {status}
  await api.raw.POST('/chatapi/{token}/client/{clientId}/message/{questionId}/status', { params: { path: { token: 't', clientId: 'c', questionId: 'q' } }, body: { state: 'READ' } });
}

export async function results(): Promise<void> {
  const sent: ApiResult<'sendMessage'> = await api.sendMessage({ clientId: 'user-42', query: 'Hello' });
  if (sent.ok) {
    const answer: string = sent.data.data.answer;
    // @ts-expect-error success data is the ChatResponse: questionId is a string
    const id: number = sent.data.questionId;
    void answer, id;
  } else if (sent.status === 401) {
    // A documented status carries the description's Error body.
    const code: string = sent.error.error;
    // @ts-expect-error extra keys of the Error body are `unknown`, not strings
    const reason: string = sent.error.reason;
    void code, reason;
  } else if (isClientFailure(sent)) {
    const code: 'client.network' | 'client.timeout' | 'client.aborted' | 'client.invalid_response' = sent.error.error;
    // @ts-expect-error a client failure has no HTTP response
    void sent.response.status;
    void code;
  }

  const count = await api.getNotReadCount({ clientId: 'user-42' });
  if (count.ok) {
    const n: number = count.data.count;
    void n;
  }
  // @ts-expect-error data exists only after narrowing on ok
  void count.data;
}
