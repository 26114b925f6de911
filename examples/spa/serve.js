// serve.js: the example SPA's static server, dependency-free (Node 18+). It serves the page's
// files and config.json (verigate's URL, and how long before expiry to refresh), with a Content
// Security Policy that lets the page's scripts talk only to this origin and verigate.
//   VG_API_URL                verigate's URL (http://127.0.0.1:8080)
//   SPA_PORT, SPA_BIND        where to listen (8082, 127.0.0.1)
//   SPA_REFRESH_LEAD_SECONDS  refresh this long before the access token expires (60; at most
//                             half its life)
// verigate must list this server's origin in CORS_ALLOWED_ORIGINS (scripts/run does).
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const here = path.dirname(fileURLToPath(import.meta.url));
const api = new URL(process.env.VG_API_URL || 'http://127.0.0.1:8080');
const port = Number(process.env.SPA_PORT || 8082);
const bind = process.env.SPA_BIND || '127.0.0.1';
const lead = Number(process.env.SPA_REFRESH_LEAD_SECONDS || 60);

const FILES = {
  '/': ['index.html', 'text/html; charset=utf-8'],
  '/index.html': ['index.html', 'text/html; charset=utf-8'],
  '/app.js': ['app.js', 'text/javascript; charset=utf-8'],
  '/api.js': ['api.js', 'text/javascript; charset=utf-8'],
  '/session.js': ['session.js', 'text/javascript; charset=utf-8'],
  '/style.css': ['style.css', 'text/css; charset=utf-8'],
};
const config = JSON.stringify({ apiBase: api.origin + api.pathname.replace(/\/+$/, ''), refreshLeadSeconds: lead });

const HEADERS = {
  'Content-Security-Policy': `default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self' ${api.origin}; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-cache',
};

const server = createServer(async (req, res) => {
  const { pathname } = new URL(req.url, 'http://spa');
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { Allow: 'GET, HEAD' }).end();
    return;
  }
  let body, type;
  if (pathname === '/config.json') {
    [body, type] = [config, 'application/json'];
  } else if (FILES[pathname]) {
    body = await readFile(path.join(here, FILES[pathname][0]));
    type = FILES[pathname][1];
  } else {
    res.writeHead(404, HEADERS).end('not found\n');
    return;
  }
  res.writeHead(200, { ...HEADERS, 'Content-Type': type });
  res.end(req.method === 'HEAD' ? undefined : body);
});

server.listen(port, bind, () => {
  const { address, port: p } = server.address();
  console.log(`example SPA on http://${address.includes(':') ? `[${address}]` : address}:${p} (verigate: ${api.origin})`);
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => { server.close(() => process.exit(0)); server.closeAllConnections(); });
