// The control API under /_stub/ (simulation, outside the Chat API), described in control-api.yaml:
// its operations are mounted by operationId from that description, behind their own
// express-openapi-validator instance, and answered by handlers typed by generated/control-api.ts.
// Besides them, the description itself and an index of its operations.
import { Router } from 'express';
import { describeOperations, type OpenApiDocument } from '../../description/index.js';
import type { ChatService } from '../chat.js';
import type { Channels, ChannelSettings } from '../channels.js';
import { checkWebhookUrl, ConfigError } from '../config.js';
import { StubError, BODY_LIMIT_BYTES, Errors } from '../errors.js';
import { dispatchOperations, operationRoutes } from '../handlers/mount.js';
import type { ControlHandlerTable, ControlSchema } from '../handlers/types.js';
import { jsonBody } from '../json-body.js';
import { validatorMiddleware } from '../openapi.js';
import type { OperatorDesk } from '../operator-desk.js';
import type { ChatStore, StoredDelivery } from '../store/types.js';
import type { Reply } from '../types.js';
import { consoleHandlers } from './console.js';
import { allowOnly } from './util.js';

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
  /** The operator console's long poll. */
  desk: OperatorDesk;
  /** The Chat API's long-poll time, also used by the console's long poll. */
  longPollMs: () => number;
}

export const channelNotFound = (token: string) =>
  new StubError(404, 'stub.channel.not_found', 'The stub has no channel with this token.', [
    { location: 'path', path: 'token', message: `not one of the configured tokens (${token.length} characters given)` },
  ]);

/** A delivery as the control API describes it: without the fields only the deliverer needs. */
function deliveryOnWire(delivery: StoredDelivery): ControlSchema<'Delivery'> {
  const { questionIds: _questionIds, seq: _seq, roundStart: _roundStart, ...wire } = delivery;
  return wire;
}

const settingsOf = (token: string, settings: ChannelSettings): ControlSchema<'ChannelSettings'> => ({ token, ...settings });

/** Every operation of control-api.yaml, by operationId. */
export function controlHandlers(deps: ControlDeps): ControlHandlerTable {
  const { chat, channels, store } = deps;
  const channelOf = (token: string): string => {
    if (!channels.has(token)) throw channelNotFound(token);
    return token;
  };
  return {
    injectOperatorReply: async ({ path, body }) => {
      const replies = ('replies' in body ? body.replies : [{ type: 'text', text: body.text }]) as Reply[];
      return { status: 200, body: await chat.operatorReply(channelOf(path.token), path.clientId, replies) };
    },
    getChannelSettings: async ({ path }) => {
      const settings = await channels.get(channelOf(path.token));
      return { status: 200, body: settingsOf(path.token, settings!) };
    },
    updateChannelSettings: async ({ path, body }) => {
      if (typeof body.webhookUrl === 'string') {
        try {
          checkWebhookUrl(body.webhookUrl, 'webhookUrl');
        } catch (error) {
          if (!(error instanceof ConfigError)) throw error;
          throw Errors.invalidRequest([{ location: 'body', path: '/webhookUrl', message: error.message.replace(/^webhookUrl: /, '') }]);
        }
      }
      const settings = await channels.update(channelOf(path.token), body);
      return { status: 200, body: settingsOf(path.token, settings!) };
    },
    listDeliveries: async ({ query }) => ({ status: 200, body: { deliveries: (await store.listDeliveries(query)).map(deliveryOnWire) } }),
    replayDeliveries: async ({ body }) => {
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
      return { status: 200, body: { deliveries: (await store.replayDeliveries(body)).map(deliveryOnWire) } };
    },
    getStats: async () => {
      const deliveries = { pending: 0, delivered: 0, failed: 0 };
      for (const delivery of await store.listDeliveries()) deliveries[delivery.state]++;
      return { status: 200, body: { ...(await deps.stats()), deliveries } };
    },
    reset: async () => {
      await deps.reset();
      return { status: 204, body: undefined };
    },
    ...consoleHandlers({ chat, desk: deps.desk, longPollMs: deps.longPollMs, channelOf }),
  };
}

export function controlRouter(deps: ControlDeps): Router {
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
  // The validator and the operations are set up on the first control request, not at start-up:
  // nothing on the Chat API's path waits for them.
  let api: Promise<Router> | undefined;
  router.use((req, res, next) => {
    api ??= deps.specForValidator().then((spec) => {
      const operations = operationRoutes(describeOperations(spec as OpenApiDocument), controlHandlers(deps));
      return Router().use(validatorMiddleware(spec, { validateResponses: deps.validateResponses }), dispatchOperations(operations.routes));
    });
    api.then(
      (mounted) => mounted(req, res, next),
      (error: unknown) => {
        api = undefined; // a failed set-up is tried again by the next request
        next(error);
      },
    );
  });
  return router;
}
