// Driving the server stub from client tests: its control API does what the real service does on
// its own (here: a live operator writes to a client).
import type { ChatResponse } from '../../client/index.js';

export async function injectOperatorReply(stubUrl: string, token: string, clientId: string, text: string): Promise<ChatResponse> {
  const response = await fetch(
    `${stubUrl}/_stub/channels/${encodeURIComponent(token)}/clients/${encodeURIComponent(clientId)}/operator-replies`,
    { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text }) },
  );
  if (!response.ok) throw new Error(`operator reply: ${response.status} ${await response.text()}`);
  return (await response.json()) as ChatResponse;
}

let counter = 0;
/** A client id no other test uses, so that tests sharing one stub do not see each other's chats. */
export function freshClientId(prefix = 'client'): string {
  counter += 1;
  return `${prefix}-${process.pid}-${counter}-${Date.now()}`;
}
