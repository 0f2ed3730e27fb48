// POSTs a webhook without letting it reach what it must not (SSRF): every address the name
// resolves to is checked, the connection goes to the checked address (a second lookup could answer
// differently: DNS rebinding), and each redirect hop is checked the same way.
import { lookup as dnsLookup } from 'node:dns/promises';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { type AddressPolicy, classifyAddress } from './addresses.js';

/** The target is not allowed: retrying the same URL cannot help, only a change of URL or DNS. */
export class WebhookRefusedError extends Error {
  override readonly name = 'WebhookRefusedError';
}

export type WebhookResponse = { status: number; url: string };

export type WebhookClient = {
  /** Resolves on a 2xx answer; rejects on a refused target, a timeout, a network error or another status. */
  post(url: string, body: string, headers: Record<string, string>): Promise<WebhookResponse>;
};

export type Resolve = (hostname: string) => Promise<Array<{ address: string; family: number }>>;

const MAX_REDIRECTS = 3;
const defaultResolve: Resolve = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

export function createWebhookClient({
  timeoutMs,
  permits,
  resolve = defaultResolve,
}: {
  timeoutMs: number;
  permits: AddressPolicy;
  resolve?: Resolve;
}): WebhookClient {
  /** The one address to connect to, after every address the name has was allowed. */
  const checkedAddress = async (url: URL): Promise<{ address: string; family: number }> => {
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new WebhookRefusedError(`${url.protocol} is not http or https`);
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const literal = isIP(host);
    const addresses = literal ? [{ address: host, family: literal }] : await resolve(host);
    if (addresses.length === 0) throw new Error(`${host} does not resolve`);
    const refused = addresses.find((a) => !permits(a.address));
    if (refused) {
      const via = literal ? '' : `${host} resolves to `;
      throw new WebhookRefusedError(`refused: ${via}${refused.address} is ${classifyAddress(refused.address).replace('_', '-')}`);
    }
    return addresses[0]!;
  };

  const send = async (url: URL, body: string, headers: Record<string, string>, signal: AbortSignal): Promise<{ status: number; location?: string }> => {
    const pinned = await checkedAddress(url);
    const lookup: LookupFunction = (_hostname, options, callback) => {
      if ((options as { all?: boolean }).all) (callback as unknown as (e: null, a: (typeof pinned)[]) => void)(null, [pinned]);
      else callback(null, pinned.address, pinned.family);
    };
    const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = request(
        url,
        {
          method: 'POST',
          headers: { ...headers, 'Content-Length': String(Buffer.byteLength(body)) },
          lookup,
          agent: false,
          signal,
        },
        (res) => {
          // Read (and drop) what the receiver says, so the socket closes cleanly.
          res.resume();
          res.once('end', () => resolve({ status: res.statusCode ?? 0, ...(res.headers.location ? { location: res.headers.location } : {}) }));
          res.once('error', reject);
        },
      );
      req.once('error', reject);
      req.end(body);
    });
  };

  return {
    async post(target, body, headers) {
      const signal = AbortSignal.timeout(timeoutMs);
      let url = new URL(target);
      for (let hop = 0; ; hop++) {
        let answer: { status: number; location?: string };
        try {
          answer = await send(url, body, headers, signal);
        } catch (error) {
          if (signal.aborted) throw new Error(`no answer from ${url.host} within ${timeoutMs} ms`);
          throw error;
        }
        if (answer.status >= 200 && answer.status < 300) return { status: answer.status, url: url.href };
        // 307 and 308 repeat the POST with its body; other redirects would turn it into a GET.
        if ((answer.status === 307 || answer.status === 308) && answer.location && hop < MAX_REDIRECTS) {
          url = new URL(answer.location, url);
          continue;
        }
        throw new Error(`${url.host} answered ${answer.status}`);
      }
    },
  };
}
