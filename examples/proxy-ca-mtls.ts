/**
 * Proxy, corporate CA and mTLS recipe (docs/recipes/proxy-ca-mtls.md): build one undici dispatcher
 * for your network and pass it as `dispatcher`. The SDK never sets a global dispatcher and never
 * closes yours.
 *
 *   HTTPS_PROXY=http://user:pass@proxy.corp:3128   forward proxy (CONNECT tunnel)
 *   CORPORATE_CA_FILE=/etc/ssl/corp-root.pem       extra CA, e.g. a TLS-inspecting proxy's
 *   CLIENT_CERT_FILE=… CLIENT_KEY_FILE=…           client certificate for an egress gateway (mTLS)
 *
 * Run directly, none of these apply to the loopback emulator: it runs through a plain `Agent`
 * (the same wiring, no proxy) and prints which dispatcher the environment would have produced.
 *
 *   npx tsx examples/proxy-ca-mtls.ts
 */
import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import { Agent, type Dispatcher, ProxyAgent } from 'undici';
import { IdCloudClient } from 'unico-idcloud';
import { SCENARIOS, startEmulatorServer } from 'unico-idcloud/testing';

/** TLS material for connections to Unico (or to your egress gateway). */
interface TlsMaterial {
  /** Trusted roots. Setting `ca` REPLACES Node's bundled roots, so they are appended here. */
  readonly ca?: string[];
  /** Client certificate and key, only if a gateway on the way asks for one (Unico does not). */
  readonly cert?: string;
  readonly key?: string;
}

/**
 * Reads the TLS material named by the environment.
 * @returns what to put into `connect` / `requestTls`
 */
export function tlsFromEnvironment(): TlsMaterial {
  const read = (name: string) => {
    const file = process.env[name];
    return file ? readFileSync(file, 'utf8') : undefined;
  };
  const corporateCa = read('CORPORATE_CA_FILE');
  const cert = read('CLIENT_CERT_FILE');
  const key = read('CLIENT_KEY_FILE');
  return {
    ...(corporateCa === undefined ? {} : { ca: [...rootCertificates, corporateCa] }),
    ...(cert === undefined || key === undefined ? {} : { cert, key }),
  };
}

/**
 * One dispatcher for the process: a `ProxyAgent` when `HTTPS_PROXY` is set, else an `Agent`;
 * both with your CA and client certificate. Keep-alive mirrors the SDK's own agent (idle sockets
 * closed after 4 s) so a frozen container does not wake up to a dead socket.
 * @returns the dispatcher; you own it and close it at shutdown
 */
export function dispatcherFromEnvironment(): Dispatcher {
  const tls = tlsFromEnvironment();
  const pool = { keepAliveTimeout: 4_000, keepAliveMaxTimeout: 30_000 };
  const proxy = process.env['HTTPS_PROXY'] ?? process.env['https_proxy'];
  if (proxy) {
    return new ProxyAgent({
      uri: proxy, // credentials in the URI become Proxy-Authorization: Basic …
      ...pool,
      requestTls: tls, // TLS to Unico, inside the CONNECT tunnel
      ...(tls.ca === undefined ? {} : { proxyTls: { ca: tls.ca } }), // TLS to an https:// proxy
    });
  }
  return new Agent({ ...pool, connect: tls });
}

// ---- Local run: the same wiring against the emulator ----

const chosen = dispatcherFromEnvironment();
const tls = tlsFromEnvironment();
console.log(
  `this environment would use: ${chosen instanceof ProxyAgent ? 'ProxyAgent' : 'Agent'}` +
    ` (corporate CA: ${tls.ca ? 'yes' : 'no'}, client certificate: ${tls.cert ? 'yes' : 'no'})`,
);
await chosen.close(); // not used below: the emulator is on loopback, no proxy in between

const server = await startEmulatorServer();
const dispatcher = new Agent({ keepAliveTimeout: 4_000, keepAliveMaxTimeout: 30_000 });
const client = new IdCloudClient(server.clientOptions({ dispatcher }));
const result = await client.createProcess({
  subject: { code: SCENARIOS.verified.cpf, name: 'Luke Skywalker' },
  useCase: 'Onboarding',
  imageBase64: server.emulator.createCapture(),
});
console.log(`through our own Agent: ${result.kind} (process ${result.id})`);

await client.close(); // leaves a dispatcher it did not create open…
await dispatcher.close(); // …so its owner closes it
await server.close();
