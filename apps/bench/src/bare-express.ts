import express from 'express';

/**
 * The bench's reference HTTP server: express 5 and one JSON route, nothing else. Its req/s is the ceiling
 * that any express route on this machine can reach under the same load. Usage: bare-express.ts <port>
 */
const port = Number(process.argv[2] ?? 0);
const app = express();
app.disable('x-powered-by');
app.post('/echo', express.json(), (_req, res) => {
  res.json({ ok: true });
});
// Only for the bench to know it is up.
app.get('/health', (_req, res) => {
  res.json({ ok: true });
});
const server = app.listen(port, '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
