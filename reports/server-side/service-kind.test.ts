import { describe, expect, it } from 'vitest';
import { kindLabel, serviceKind } from './service-kind.ts';

describe('serviceKind', () => {
  it('strips the instance number, or derives the service from the container name', () => {
    expect(serviceKind('pgbouncer-1', 'x')).toBe('pgbouncer');
    expect(serviceKind('nginx', undefined)).toBe('nginx');
    expect(serviceKind('', 'feedscale-0d4cd9ee-pg-0')).toBe('pg');
    expect(serviceKind(undefined, undefined)).toBe('unknown');
  });
});

describe('kindLabel', () => {
  it('names the kinds whose label is not a word, and leaves the others as they are', () => {
    expect(kindLabel('pg')).toBe('Postgres');
    expect(kindLabel('objectstore')).toBe('object store');
    expect(kindLabel('redis')).toBe('redis');
  });
});
