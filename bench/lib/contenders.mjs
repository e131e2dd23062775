// The contenders: the SDK's createProcess and the same request written by hand on raw undici,
// global fetch and node:http. Shared by the warm-path bench and the memory/allocation children.
import { randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import { pathToFileURL } from 'node:url';

export const API_KEY = 'bench-api-key';
export const USER_AGENT = 'unico-idcloud/bench';
export const CPF = '52998224725';

const JWE_HEADER = Buffer.from('{"alg":"RSA-OAEP","enc":"A256GCM"}').toString('base64url');

/**
 * A JWT-shaped (compact JWE, 5 segments) SDK capture of exactly `length` characters.
 * @param {number} length
 */
export function capture(length) {
  const rest = length - JWE_HEADER.length - 4;
  const payload = randomBytes(Math.ceil((rest * 3) / 4) + 3)
    .toString('base64url')
    .slice(0, rest);
  const q = Math.floor(rest / 8);
  return [
    JWE_HEADER,
    payload.slice(0, q),
    payload.slice(q, 2 * q),
    payload.slice(2 * q, rest - q),
    payload.slice(rest - q),
  ].join('.');
}

/**
 * A plain base64 JPEG (what Identity-Verification-only integrations send) of at most `length`
 * characters: a JFIF header, then random bytes.
 * @param {number} length
 */
export function plainJpeg(length) {
  const bytes = randomBytes(Math.floor(length / 4) * 3);
  bytes.set([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01]);
  return bytes.toString('base64');
}

/** The two image kinds the bench measures; `capture` is the capture SDK's payload. */
export const IMAGE_KINDS = ['capture', 'plain'];

/**
 * A CreateProcess input whose JSON body is `bodyBytes` long (plain: up to 3 bytes shorter).
 * @param {number} bodyBytes
 * @param {'capture' | 'plain'} [kind]
 */
export function makeInput(bodyBytes, kind = 'capture') {
  const base = { subject: { code: CPF, name: 'Luke Skywalker' }, useCase: 'Onboarding', imageBase64: '' };
  const length = bodyBytes - JSON.stringify(base).length;
  return { ...base, imageBase64: kind === 'plain' ? plainJpeg(length) : capture(length) };
}

const headersFor = (token) => ({
  authorization: `Bearer ${token}`,
  apikey: API_KEY,
  'content-type': 'application/json',
  accept: 'application/json',
  'user-agent': USER_AGENT,
  'x-request-id': randomUUID(),
});

function checkStatus(status) {
  if (status !== 200) throw new Error(`unexpected HTTP ${status}`);
}

/** @param {{ sdkUrl: string, port: number, pem: string, clientOptions?: object }} config */
export async function createSdk(config) {
  const { IdCloudClient } = await import(config.sdkUrl);
  const origin = `http://127.0.0.1:${config.port}`;
  const client = new IdCloudClient({
    environment: { apiBaseUrl: origin, tokenUrl: `${origin}/oauth2/token` },
    serviceAccount: { accountName: 'bench', tenantId: 'bench-tenant', privateKey: config.pem },
    apiKey: API_KEY,
    ...config.clientOptions,
  });
  return {
    name: 'sdk',
    client,
    call: (input) => client.createProcess(input),
    close: () => client.close(),
  };
}

/** Raw `undici.request` on its global dispatcher: JSON.stringify, read the text, JSON.parse. */
export async function createUndici(config) {
  const { Agent, request, getGlobalDispatcher, setGlobalDispatcher } = await import('undici');
  const url = `http://127.0.0.1:${config.port}/processes/v1`;
  return {
    name: 'undici',
    async call(input) {
      const res = await request(url, {
        method: 'POST',
        headers: headersFor(config.token),
        body: JSON.stringify(input),
      });
      const json = JSON.parse(await res.body.text());
      checkStatus(res.statusCode);
      return json;
    },
    close: async () => {
      // A fresh global dispatcher for whoever comes next (experiments create several contenders).
      const used = getGlobalDispatcher();
      setGlobalDispatcher(new Agent());
      await used.close();
    },
  };
}

/** Node's global fetch (its bundled undici). */
export async function createFetch(config) {
  const url = `http://127.0.0.1:${config.port}/processes/v1`;
  return {
    name: 'fetch',
    async call(input) {
      const res = await fetch(url, {
        method: 'POST',
        headers: headersFor(config.token),
        body: JSON.stringify(input),
      });
      const json = JSON.parse(await res.text());
      checkStatus(res.status);
      return json;
    },
    close: async () => undefined,
  };
}

/** node:http with a keep-alive agent. */
export async function createNodeHttp(config) {
  const agent = new http.Agent({ keepAlive: true });
  return {
    name: 'node:http',
    call(input) {
      return new Promise((resolve, reject) => {
        const body = JSON.stringify(input);
        const req = http.request(
          {
            host: '127.0.0.1',
            port: config.port,
            path: '/processes/v1',
            method: 'POST',
            agent,
            headers: { ...headersFor(config.token), 'content-length': Buffer.byteLength(body) },
          },
          (res) => {
            const chunks = [];
            res.on('data', (chunk) => chunks.push(chunk));
            res.on('error', reject);
            res.on('end', () => {
              try {
                checkStatus(res.statusCode);
                resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
              } catch (err) {
                reject(err);
              }
            });
          },
        );
        req.on('error', reject);
        req.end(body);
      });
    },
    close: async () => agent.destroy(),
  };
}

export const FACTORIES = {
  sdk: createSdk,
  undici: createUndici,
  fetch: createFetch,
  'node:http': createNodeHttp,
};

/** Gets a token from the bench server for the hand-written contenders (they have no token cache). */
export function fetchToken(port) {
  return new Promise((resolve, reject) => {
    const body = 'grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=x';
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path: '/oauth2/token',
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': body.length },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => {
          text += chunk;
        });
        res.on('end', () => resolve(JSON.parse(text).access_token));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

export const fileUrl = (path) => pathToFileURL(path).href;
