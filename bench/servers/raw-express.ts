// The baseline: Express 5 with express.json() answering every POST /chatapi/:token with the same
// reply the stub gives, and nothing else — what the stub would cost without the description.
import express from 'express';

const reply = process.env.BENCH_REPLY ?? '{}';
const app = express();
app.use(express.json({ limit: '1mb' }));
app.post('/chatapi/:token', (_req, res) => {
  res.type('application/json').send(reply);
});
const server = app.listen(Number(process.env.PORT ?? 0), process.env.HOST ?? '127.0.0.1', () => {
  const address = server.address();
  console.log(`raw express listening on ${typeof address === 'object' && address ? address.port : '?'}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
