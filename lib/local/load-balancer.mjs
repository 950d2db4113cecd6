// The load balancer in front of a Service, standing in for the ALB of an Ingress: listens on
// loopback and forwards every request to the pod with the Host header the Ingress rule matches (as
// an ALB forwards the client's Host) and `x-forwarded-proto: https`. Run as its own process by
// ingress-proxy.ts, so it outlives the command that started it (`cohort-lab local up --detach`).
//
// Input (env):  PROXY_PORT (0: any free port), TARGET_PORT, TARGET_HOST (the Host header to send)
// Output:       one line "ready <port>" on stdout once it listens. While the pod is down it answers
//               502, as a load balancer with no healthy target does.
import { createServer, request } from 'node:http';

const target = Number(process.env.TARGET_PORT);
const host = process.env.TARGET_HOST;

const server = createServer((req, res) => {
  const upstream = request(
    {
      host: '127.0.0.1',
      port: target,
      method: req.method,
      path: req.url,
      headers: { ...req.headers, host, 'x-forwarded-proto': 'https' },
    },
    (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    },
  );
  upstream.on('error', () => {
    if (!res.headersSent) res.writeHead(502);
    res.end();
  });
  req.pipe(upstream);
});
server.keepAliveTimeout = 5_000;
server.listen(Number(process.env.PROXY_PORT ?? 0), '127.0.0.1', () => {
  console.log(`ready ${server.address().port}`);
});
const stop = () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
