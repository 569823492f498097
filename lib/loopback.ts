import { isIPv4 } from 'node:net';
import { FeedscaleError } from './errors.ts';

/**
 * feedscale only ever loads servers on this machine: a load generator pointed at a real
 * host is a denial-of-service tool. Every engine calls this before its first request.
 * Accepted hosts: 127.0.0.0/8, `localhost`, `[::1]`; protocols http: and https:.
 *
 * @example
 * assertLoopbackUrl('http://127.0.0.1:3000'); // ok
 * assertLoopbackUrl('http://10.0.0.1');       // throws CFG_ERR_INVALID
 */
export function assertLoopbackUrl(url: string | URL): URL {
  let parsed: URL;
  try {
    parsed = typeof url === 'string' ? new URL(url) : url;
  } catch (cause) {
    throw new FeedscaleError('CFG_ERR_INVALID', `baseUrl must be a valid URL (got ${JSON.stringify(String(url))})`, { cause });
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new FeedscaleError('CFG_ERR_INVALID', `baseUrl must use http: or https: (got ${parsed.protocol})`);
  }
  if (!isLoopbackHost(parsed.hostname)) {
    throw new FeedscaleError(
      'CFG_ERR_INVALID',
      `baseUrl must point at this machine (127.0.0.0/8, localhost or [::1]); refusing to send load to ${parsed.hostname}`,
    );
  }
  return parsed;
}

/** `hostname` as URL gives it: lower-case, IPv6 in brackets, IPv4 normalised to dotted decimal. */
export function isLoopbackHost(hostname: string): boolean {
  if (hostname === 'localhost' || hostname === '[::1]') return true;
  return isIPv4(hostname) && hostname.split('.')[0] === '127';
}
