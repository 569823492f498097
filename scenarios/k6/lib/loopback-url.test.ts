import { describe, expect, it } from 'vitest';
import { assertLoopbackUrl } from '../../../lib/loopback.ts';
import { parseLoopbackUrl } from './loopback-url.ts';

const accepted = [
  ['http://127.0.0.1:3000', 'http://127.0.0.1:3000', ''],
  ['http://localhost:8080/', 'http://localhost:8080', ''],
  ['HTTP://LOCALHOST:8080/api/', 'http://localhost:8080', '/api'],
  ['https://[::1]:8443/v1?x=1', 'https://[::1]:8443', '/v1'],
  ['http://127.9.8.7', 'http://127.9.8.7', ''],
  ['http://127.0.0.1:4568/bucket/u/1/a.jpg?X-Amz-Signature=abc', 'http://127.0.0.1:4568', '/bucket/u/1/a.jpg'],
] as const;

const refused = [
  'http://10.0.0.1:3000',
  'http://example.com',
  'http://127.0.0.1@example.com/',
  'http://127.0.0.1.example.com/',
  'http://localhost.:3000',
  'ftp://127.0.0.1/',
  'http://127.0.0.256/',
  'http://127.0.0.010/',
  'http://0177.0.0.1/',
  'http://[::2]/',
  '127.0.0.1:3000',
  'http://127.0.0.1:99999/',
];

describe('parseLoopbackUrl', () => {
  it.each(accepted)('accepts %s as origin %s with path prefix "%s"', (url, origin, pathPrefix) => {
    expect(parseLoopbackUrl(url)).toEqual({ origin, pathPrefix });
  });

  it.each(accepted)('agrees with lib/loopback.ts that %s is on this machine', (url) => {
    expect(() => assertLoopbackUrl(url)).not.toThrow();
  });

  it.each(refused)('refuses %s before any request', (url) => {
    expect(() => parseLoopbackUrl(url)).toThrow(/must point at this machine/);
  });

  it('never accepts a URL that lib/loopback.ts refuses', () => {
    for (const url of refused) {
      let nodeAccepts = true;
      try {
        assertLoopbackUrl(url);
      } catch {
        nodeAccepts = false;
      }
      // Stricter is fine (e.g. octal or leading-zero octets); looser would not be.
      if (!nodeAccepts) expect(() => parseLoopbackUrl(url)).toThrow();
    }
  });
});
