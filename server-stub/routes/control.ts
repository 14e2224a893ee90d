// The control API under /_stub/ (simulation, outside the Chat API), described in control-api.yaml
// and validated by its own express-openapi-validator instance.
import { Router } from 'express';
import type { ChatService } from '../chat.js';
import type { Channels, ChannelSettings } from '../channels.js';
import { checkWebhookUrl, ConfigError } from '../config.js';
import { StubError, BODY_LIMIT_BYTES, Errors } from '../errors.js';
import { jsonBody } from '../json-body.js';
import { validatorMiddleware } from '../openapi.js';
import type { Reply } from '../types.js';
import type { ChatStore, StoredDelivery as Delivery } from '../store/types.js';
import type { OperatorDesk } from '../operator-desk.js';
import { consoleRoutes } from './console.js';
import { allowOnly, queryOf } from './util.js';

export interface ControlDeps {
  chat: ChatService;
  /** Counters for GET /_stub/stats. */
  stats: () => Promise<{ longPolls: number; pendingTimeouts: number }>;
  channels: Channels;
  /** Where the deliveries are kept. */
  store: ChatStore;
  /** Forgets everything (POST /_stub/reset). */
  reset: () => Promise<void>;
  /** The control API description as served (YAML). */
  yaml: string;
  /** The control API description for the validator (dereferenced), built on first use. */
  specForValidator: () => Promise<Record<string, unknown>>;
  validateResponses: boolean;
  /** The operator console's clients and change counter. */
  desk: OperatorDesk;
  /** The Chat API's long-poll time, also used by the console's long poll. */
  longPollMs: () => number;
}

const channelNotFound = (token: string) =>
  new StubError(404, 'stub.channel.not_found', 'The stub has no channel with this token.', [
    { location: 'path', path: 'token', message: `not one of the configured tokens (${token.length} characters given)` },
  ]);

/** A delivery as the control API describes it: without the fields only the deliverer needs. */
function deliveryOnWire(delivery: Delivery) {
  const { questionIds: _questionIds, seq: _seq, roundStart: _roundStart, ...wire } = delivery;
  return wire;
}

export function controlRouter(deps: ControlDeps): Router {
  const { chat, channels, store } = deps;
  const router = Router();

  router
    .route('/openapi.yaml')
    .get((_req, res) => {
      res.type('application/yaml').send(deps.yaml);
    })
    .all(allowOnly('GET'));

  // An index, so that the address `npm start` prints answers: the operations, read from the
  // control API's own description.
  let index: Promise<{ method: string; path: string; operationId: string; summary: string }[]> | undefined;
  router
    .route('/')
    .get(async (req, res) => {
      index ??= import('yaml').then(({ parse }) => {
        const spec = parse(deps.yaml) as { paths: Record<string, Record<string, { operationId?: string; summary?: string }>> };
        return Object.entries(spec.paths).flatMap(([path, item]) =>
          Object.entries(item)
            .filter(([method]) => ['get', 'put', 'post', 'delete', 'patch'].includes(method))
            .map(([method, op]) => ({ method: method.toUpperCase(), path, operationId: op.operationId ?? '', summary: op.summary ?? '' })),
        );
      });
      const base = `${req.protocol}://${req.get('host') ?? 'localhost'}`;
      res.json({ name: 'chatapi-contract server stub: control API', openapi: `${base}/_stub/openapi.yaml`, operations: await index });
    })
    .all(allowOnly('GET'));

  // The same body reader as the Chat API, so that both answer a bad body the same way.
  router.use(jsonBody(BODY_LIMIT_BYTES));
  // The validator is set up on the first control request, not at start-up: nothing on the Chat
  // API's path waits for it.
  let validation: Promise<Router> | undefined;
  router.use((req, res, next) => {
    validation ??= deps.specForValidator().then((spec) => Router().use(validatorMiddleware(spec, { validateResponses: deps.validateResponses })));
    validation.then(
      (validate) => validate(req, res, next),
      (error: unknown) => {
        validation = undefined; // a failed set-up is tried again by the next request
        next(error);
      },
    );
  });

  const settingsOf = (token: string, settings: ChannelSettings) => ({ token, ...settings });

  router.post('/channels/:token/clients/:clientId/operator-replies', async (req, res) => {
    const { token, clientId } = req.params as { token: string; clientId: string };
    if (!channels.has(token)) throw channelNotFound(token);
    const body = req.body as { text?: string; replies?: Reply[] };
    const replies: Reply[] = body.replies ?? [{ type: 'text', text: body.text! }];
    res.json(await chat.operatorReply(token, clientId, replies));
  });

  router.get('/channels/:token/settings', async (req, res) => {
    const token = req.params.token!;
    const settings = await channels.get(token);
    if (!settings) throw channelNotFound(token);
    res.json(settingsOf(token, settings));
  });

  router.put('/channels/:token/settings', async (req, res) => {
    const token = req.params.token!;
    const patch = req.body as Partial<ChannelSettings>;
    if (typeof patch.webhookUrl === 'string') {
      try {
        checkWebhookUrl(patch.webhookUrl, 'webhookUrl');
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        throw Errors.invalidRequest([{ location: 'body', path: '/webhookUrl', message: error.message.replace(/^webhookUrl: /, '') }]);
      }
    }
    const settings = await channels.update(token, patch);
    if (!settings) throw channelNotFound(token);
    res.json(settingsOf(token, settings));
  });

  // ---- Webhook deliveries: listing and replay (issue 11) -------------------------------------
  router.get('/deliveries', async (req, res) => {
    const query = queryOf(req);
    const state = query.state as Delivery['state'] | undefined;
    res.json({ deliveries: (await store.listDeliveries({ token: query.token, questionId: query.questionId, state })).map(deliveryOnWire) });
  });

  router.post('/deliveries/replay', async (req, res) => {
    const body = (req.body ?? {}) as { ids?: string[]; token?: string };
    if (body.ids !== undefined) {
      // An id that is not a failed delivery is named, rather than silently skipped.
      const failed = new Set((await store.listDeliveries({ state: 'failed' })).map((d) => d.id));
      const unknown = body.ids.filter((id) => !failed.has(id));
      if (unknown.length > 0) {
        throw new StubError(
          404,
          'stub.delivery.not_failed',
          'Only failed deliveries can be replayed.',
          unknown.map((id) => ({ location: 'body', path: '/ids', message: `${id} is not a failed delivery the stub keeps` })),
        );
      }
    }
    res.json({ deliveries: (await store.replayDeliveries(body)).map(deliveryOnWire) });
  });
  // ---- end of webhook deliveries ---------------------------------------------------------------

  router.get('/stats', async (_req, res) => {
    const deliveries = { pending: 0, delivered: 0, failed: 0 };
    for (const delivery of await store.listDeliveries()) deliveries[delivery.state]++;
    res.json({ ...(await deps.stats()), deliveries });
  });

  // --- The operator console (routes/console.ts): clients, conversations, takeover, timeouts ---
  consoleRoutes(router, { chat, channels, desk: deps.desk, longPollMs: deps.longPollMs, channelNotFound });
  // --- end of the operator console ---

  router.post('/reset', async (_req, res) => {
    await deps.reset();
    res.status(204).end();
  });

  return router;
}
