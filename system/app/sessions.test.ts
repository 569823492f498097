import { describe, expect, it } from 'vitest';
import { authDecision, newSessionToken, parseBearerToken } from './sessions.ts';

const TOKEN = '0123456789abcdef0123456789abcdef';

describe('parseBearerToken', () => {
  it('takes the token out of a well-formed bearer header', () => {
    expect(parseBearerToken(`Bearer ${TOKEN}`)).toBe(TOKEN);
  });

  it('rejects missing, repeated, mis-schemed, mis-cased and wrong-length headers', () => {
    const bad: Array<string | string[] | undefined> = [
      undefined,
      '',
      TOKEN,
      `bearer ${TOKEN}`,
      `Basic ${TOKEN}`,
      `Bearer  ${TOKEN}`,
      `Bearer ${TOKEN} `,
      `Bearer ${TOKEN.toUpperCase()}`,
      `Bearer ${TOKEN.slice(1)}`,
      `Bearer ${TOKEN}0`,
      `Bearer ${'g'.repeat(32)}`,
      `Bearer ${TOKEN}\nX: y`,
      [`Bearer ${TOKEN}`, `Bearer ${TOKEN}`],
      `Bearer ${'a'.repeat(10_000)}`,
    ];
    for (const header of bad) expect(parseBearerToken(header), JSON.stringify(header)?.slice(0, 60)).toBeNull();
  });
});

describe('authDecision', () => {
  it('lets a session act as its own user only', () => {
    expect(authDecision('42', '42')).toBe('ok');
    expect(authDecision('42', '43')).toBe('forbidden');
  });

  it('treats an unknown or expired token as unauthenticated whoever it claims to act for', () => {
    expect(authDecision(null, '42')).toBe('unauthenticated');
  });
});

describe('newSessionToken', () => {
  it('makes 32-hex tokens that the bearer parser accepts, different each time', () => {
    const tokens = Array.from({ length: 100 }, newSessionToken);
    for (const token of tokens) expect(parseBearerToken(`Bearer ${token}`)).toBe(token);
    expect(new Set(tokens).size).toBe(100);
  });
});
