// The proxy's transport alone: the same relay (undici, bodies streamed both ways, a bounded copy of
// each body kept) with nothing judged or recorded. Side by side with the stub alone and the full
// proxy, it splits what the proxy costs into what any Node relay costs here and what judging adds.
import { createServer } from 'node:http';
import { BodyCopy, Cancellation, pipeAnswer, relay, upstreamOf } from '../../traffic/http-relay.js';

const upstream = upstreamOf(process.env.UPSTREAM ?? 'http://127.0.0.1:3000');
const server = createServer((req, res) => {
  const cancellation = new Cancellation();
  res.on('close', () => res.writableFinished || cancellation.cancel());
  relay(upstream, req, new BodyCopy(), new BodyCopy(), cancellation)
    .then((answer) => pipeAnswer(answer, req, res))
    .catch(() => res.destroy());
});
server.listen(Number(process.env.PORT ?? 0), process.env.HOST ?? '127.0.0.1', () => {
  const address = server.address();
  console.log(`bare relay listening on ${typeof address === 'object' && address ? address.port : '?'}`);
});
process.on('SIGTERM', () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
});
