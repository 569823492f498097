import { describe, expect, it } from 'vitest';
import { parseActivity, type ActivityEntry } from './activity.ts';

describe('parseActivity', () => {
  it('reads back both kinds of entry as they were stored', () => {
    const entries: ActivityEntry[] = [
      { kind: 'follow', actorId: '12', atMs: 1_400_000_000_000 },
      { kind: 'like', actorId: '13', mediaId: '99', atMs: 1_400_000_000_001 },
    ];
    for (const entry of entries) expect(parseActivity(JSON.stringify(entry))).toEqual(entry);
  });

  it('drops extra fields and skips entries that are not activity', () => {
    expect(parseActivity(JSON.stringify({ kind: 'follow', actorId: '1', atMs: 5, secret: 'x' }))).toEqual({ kind: 'follow', actorId: '1', atMs: 5 });
    for (const text of ['', 'nul', '[]', '{}', '{"kind":"like","actorId":"1","atMs":5}', '{"kind":"poke","actorId":"1","atMs":5}', '{"kind":"follow","actorId":1,"atMs":5}']) {
      expect(parseActivity(text), text).toBeNull();
    }
  });
});
