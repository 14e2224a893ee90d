// Issue 13: our own contract run against the stub, through `chatapi-contract/vitest`: every check
// of the engine is a test of this file (a describe per operation, an it per check), and the stub's
// webhook points at the suite's receiver, so the webhook checks run too.
import { afterAll } from 'vitest';
import { contractTests } from '../../contract/vitest.js';
import { startStub } from '../../server-stub/public-api.js';

const stub = await startStub({ longPollMs: 1000, webhookRetry: { attempts: 3, baseDelayMs: 50, timeoutMs: 2000 } });
afterAll(() => stub.close());

contractTests(
  {
    baseUrl: stub.url,
    token: stub.token,
    ratePerSecond: 1000,
    webhookPort: 0,
    onWebhookReceiver: async (url) => {
      await stub.setWebhookUrl(url);
    },
  },
  { name: 'the stub, through contractTests' },
);
