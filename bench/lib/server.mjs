// Loopback stand-in for Unico, run as a child process so the client and the server each get a core.
// Answers the token endpoint and POST /processes/v1 with fixed bodies, verifying nothing.
import { createServer } from 'node:http';

const TOKEN_BODY = Buffer.from(
  JSON.stringify({ access_token: 'bench-access-token-0123456789', expires_in: 3600, token_type: 'Bearer' }),
);
const PROCESS_BODY = Buffer.from(
  JSON.stringify({ id: '8c1f8f3a-7b5c-4a2e-9a5e-3f0c2d1b4a6e', status: 3, unicoId: { result: 'yes' } }),
);
const NOT_FOUND = Buffer.from('{"error":{"code":"404","description":"not found"}}');

const stats = { tokenRequests: 0, processRequests: 0, bytesReceived: 0 };

const server = createServer((req, res) => {
  req.on('data', (chunk) => {
    stats.bytesReceived += chunk.length;
  });
  req.on('end', () => {
    let body = NOT_FOUND;
    let status = 404;
    if (req.method === 'POST' && req.url === '/oauth2/token') {
      stats.tokenRequests++;
      body = TOKEN_BODY;
      status = 200;
    } else if (req.method === 'POST' && req.url === '/processes/v1') {
      stats.processRequests++;
      body = PROCESS_BODY;
      status = 200;
    }
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': body.length });
    res.end(body);
  });
});
server.keepAliveTimeout = 60_000;
server.headersTimeout = 65_000;

server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.send?.({ type: 'listening', port: typeof address === 'object' && address ? address.port : 0 });
});

process.on('message', (message) => {
  if (message === 'stats') process.send?.({ type: 'stats', stats: { ...stats } });
  else if (message === 'reset') {
    stats.tokenRequests = 0;
    stats.processRequests = 0;
    stats.bytesReceived = 0;
    process.send?.({ type: 'reset' });
  } else if (message === 'close') {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  }
});
// Never outlive the bench.
process.on('disconnect', () => process.exit(0));
