'use strict';
// The contract check over the whole e2e suite, two commands:
//
//   node prism_proxy.js serve PORT UPSTREAM   Stoplight Prism in proxy mode in front of UPSTREAM,
//       set up as `prism proxy --cors=false --validate-request=false` would be, that also writes
//       one JSON line per relayed answer to VG_CONTRACT_LOG (lib/prism.js) and Prism's own log
//       (warnings and up) to stderr.
//   node prism_proxy.js report NAME [--whole-suite]   sums VG_CONTRACT_LOG up as one TAP-style
//       line, "ok NAME (...)" or "not ok NAME (...)" followed by every violation; exits 1 on
//       "not ok". With --whole-suite, also "not ok" when no answer went through the proxy.
//
// Why not the `prism proxy` CLI itself: its log says "Violation: response.header..." with no
// request, method or status on the line, so under concurrent requests a violation cannot be
// traced to its answer; and `--errors` replaces the answer, which the tests would then see.
// Here the CLI's server (prism-http-server) is built with the CLI's proxy configuration and
// Prism's own forwarder and validator, each wrapped only to note what went through them.
const fs = require('node:fs');
const http = require('node:http');
const { tool } = require('./env');
const { ready, judge, entry, record } = require('./prism');

async function serve(port, upstream) {
  const operations = await ready();
  const { createServer } = tool('@stoplight/prism-http-server');
  const { createLogger } = tool('@stoplight/prism-core');
  const forward = tool('@stoplight/prism-http/dist/forwarder').default;
  const route = tool('@stoplight/prism-http/dist/router').default;
  const E = tool('fp-ts/Either');
  const asked = new WeakMap(); // relayed answer -> the request it answers

  // Prism's router, except that a request for no operation (a 404 or 405) is relayed as one for
  // an operation with nothing to check: Prism's own way adds a "Selected route not found"
  // `sl-violations` header to the answer.
  const routing = (args) => {
    const r = route(args);
    return E.isRight(r) ? r : E.right({ unrouted: true, id: '-', method: args.input.method, path: args.input.url.path, responses: [] });
  };

  // Prism's forwarder; an answer for no operation of the spec is logged here (Prism will not
  // validate it), the others once Prism has validated them.
  const noting = (args, ...rest) => (logger) => async () => {
    const resource = rest[2];
    const input = args.data;
    const r = await forward(args, ...rest)(logger)();
    if (r._tag === 'Left') {
      record({ via: 'proxy', method: input.method.toUpperCase(), path: input.url.path, error: String(r.left.message || r.left) });
    } else if (!resource || resource.unrouted) {
      record(entry('proxy', input.method, input.url.path, null, r.right, []));
    } else {
      asked.set(r.right, input);
    }
    return r;
  };
  const validating = ({ resource, element }) => {
    if (resource.unrouted) return E.right(element);
    const input = asked.get(element);
    const [result, violations] = judge(resource, element);
    record(entry('proxy', input ? input.method : resource.method, input ? input.url.path : resource.path, resource, element, violations));
    return result;
  };

  // Requests are not judged: the suites send invalid ones on purpose, and Prism would tag each
  // answer to one with an `sl-violations` header of its own (`--validate-request=false`; the
  // CLI has no switch for the security check, which does the same for a missing token).
  const config = {
    validateRequest: false, validateResponse: true, checkSecurity: false, errors: false, upstreamProxy: undefined,
    mock: { dynamic: false, ignoreExamples: false }, isProxy: true, upstream: new URL(upstream),
  };
  const logger = createLogger('PRISM', { level: 'warn' }, process.stderr);
  // Node closes a kept-alive connection after 5 s idle and says so in a Keep-Alive header; a
  // client that sends on it at that instant gets "other side closed". verigate sends no such
  // header and waits 30 s (CONNECTION_TIMEOUT), so clients always close first: the same here,
  // on the http.Server that Prism's micri makes (it offers no other way to reach it).
  const makeServer = http.createServer;
  let node = null;
  http.createServer = (...a) => { node = makeServer(...a); return node; };
  const server = createServer(operations, { cors: false, config, components: { logger, route: routing, forward: noting, validateOutput: validating } });
  http.createServer = makeServer;
  node.keepAliveTimeout = 0;
  const address = await server.listen(Number(port), '127.0.0.1');
  process.stdout.write(`prism proxy on ${address} -> ${upstream}\n`);
  const stop = () => server.close().finally(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

function report(name, wholeSuite) {
  const file = process.env.VG_CONTRACT_LOG;
  const lines = file && fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)) : [];
  const count = (via) => lines.filter((l) => l.via === via && l.operation).length;
  const checked = lines.filter((l) => l.operation).length;
  const unrouted = lines.filter((l) => !l.error && !l.operation).length;
  const bad = lines.filter((l) => l.error || (l.violations && l.violations.length));
  const summary = `prism: ${checked} answers checked, ${count('proxy')} through the proxy and ${count('in-process')} in-process; ${unrouted} for no operation of the spec`;
  // A whole suite in which nothing went through the proxy proves nothing about the shared
  // instance (a subset of suites may use only instances of its own).
  const ok = bad.length === 0 && (!wholeSuite || count('proxy') > 0);
  process.stdout.write(`${ok ? 'ok' : 'not ok'} ${name} (${summary})\n`);
  const seen = new Set();
  for (const l of bad) {
    const what = l.error ? `the proxy could not relay it: ${l.error}` : l.violations.join('; ');
    const line = `    ${l.method} ${l.path} -> ${l.status === undefined ? '-' : l.status} (${l.via}): ${what}`;
    if (!seen.has(line)) process.stdout.write(`${line}\n`);
    seen.add(line);
  }
  return ok;
}

const [cmd, ...args] = process.argv.slice(2);
if (cmd === 'serve' && args.length === 2) {
  serve(args[0], args[1]).catch((e) => { process.stderr.write(`prism proxy: ${e.stack || e}\n`); process.exit(1); });
} else if (cmd === 'report' && (args.length === 1 || (args.length === 2 && args[1] === '--whole-suite'))) {
  process.exitCode = report(args[0], args.length === 2) ? 0 : 1;
} else {
  process.stderr.write('usage: prism_proxy.js serve PORT UPSTREAM | report NAME [--whole-suite] (with VG_CONTRACT_LOG set)\n');
  process.exitCode = 2;
}
