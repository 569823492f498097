/**
 * The k6 twin of lib/loopback.ts: k6 has no WHATWG URL and no node:net, so the check is a
 * strict pattern instead. It accepts the same hosts (127.0.0.0/8, localhost, [::1]) over
 * http: or https:, and rejects anything it cannot read as exactly that, user-info included
 * ("http://127.0.0.1@example.com" is a request to example.com) and octets with leading zeros
 * (Go, which k6 is written in, does not read "127.0.0.010" as an IP and would resolve it as a
 * name). loopback-url.test.ts checks that it never accepts what lib/loopback.ts refuses.
 */

export interface LoopbackTarget {
  /** "http://127.0.0.1:3000", lower-cased scheme and host. */
  origin: string;
  /** Path of the base URL without its trailing slash ("" for none), prepended to request paths. */
  pathPrefix: string;
}

const URL_PATTERN = /^(https?):\/\/(\[::1\]|localhost|(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2}))(:\d{1,5})?([/?#].*)?$/i;

/** Throws an Error naming the refused host unless `url` points at this machine. */
export function parseLoopbackUrl(url: string, what = 'BASE_URL'): LoopbackTarget {
  const match = URL_PATTERN.exec(url.trim());
  const refuse = (why: string): never => {
    throw new Error(`${what} must point at this machine (127.0.0.0/8, localhost or [::1]) over http(s); ${why}: ${JSON.stringify(url)}`);
  };
  if (!match) return refuse('refusing to send load to');
  const [, scheme, host, a, b, c, d, port, rest] = match as unknown as [string, string, string, string?, string?, string?, string?, string?, string?];
  if (a !== undefined) {
    const octets = [a, b, c, d].map(Number);
    if (octets.some((o) => o > 255)) return refuse('not an IPv4 address');
    if (octets[0] !== 127) return refuse('refusing to send load to');
  }
  if (port !== undefined && Number(port.slice(1)) > 65535) return refuse('port out of range');
  const origin = `${scheme.toLowerCase()}://${host.toLowerCase()}${port ?? ''}`;
  const path = (rest ?? '').replace(/[?#].*$/, '');
  return { origin, pathPrefix: path === '/' ? '' : path.replace(/\/$/, '') };
}
