import { describe, expect, it } from 'vitest';
import { FeedscaleError } from './errors.ts';
import { assertLoopbackUrl, isLoopbackHost } from './loopback.ts';

describe('assertLoopbackUrl', () => {
  it.each(['http://127.0.0.1:8080/x', 'http://127.255.3.4', 'https://localhost:3000', 'http://LOCALHOST', 'http://[::1]:80', 'http://0x7f000001/'])(
    'accepts the loopback url %s',
    (url) => {
      expect(() => assertLoopbackUrl(url)).not.toThrow();
    },
  );

  it.each([
    'http://10.0.0.1',
    'http://128.0.0.1',
    'http://example.com',
    'http://localhost.example.com',
    'http://127.0.0.1.nip.io',
    'http://[::2]',
    'http://[::ffff:10.0.0.1]',
    'http://0.0.0.0',
  ])('refuses the non-loopback url %s with CFG_ERR_INVALID', (url) => {
    try {
      assertLoopbackUrl(url);
      expect.unreachable('should have thrown');
    } catch (err) {
      expect(err).toBeInstanceOf(FeedscaleError);
      expect((err as FeedscaleError).code).toBe('CFG_ERR_INVALID');
    }
  });

  it('refuses text that is not a url and protocols other than http(s)', () => {
    expect(() => assertLoopbackUrl('not a url')).toThrow(/valid URL/);
    expect(() => assertLoopbackUrl('ftp://127.0.0.1')).toThrow(/http/);
  });

  it('names the refused host in the message', () => {
    expect(() => assertLoopbackUrl('http://10.0.0.1:80')).toThrow(/10\.0\.0\.1/);
  });

  it('treats only the first octet 127 as loopback', () => {
    expect(isLoopbackHost('127.0.0.1')).toBe(true);
    expect(isLoopbackHost('1.127.0.0')).toBe(false);
  });
});
