import { describe, expect, it } from 'vitest';
import { idsOf, WriteLog } from './write-log.ts';

describe('the write log', () => {
  it('reads each write type\'s IDs from its request or response', () => {
    expect(idsOf('user.create', '{"id":"123","username":"g1","logicalShard":3}')).toEqual(['123']);
    expect(idsOf('upload.complete', '{"media":{"id":"55","ownerId":"9","url":"x"}}')).toEqual(['55', '9']);
    expect(idsOf('follow.create', { endpoint: 'follow.create', method: 'POST', path: '/users/4/follows', body: '{"followeeId":"8"}' })).toEqual(['4', '8']);
    expect(idsOf('media.like', { endpoint: 'media.like', method: 'POST', path: '/prefix/media/77/likes', body: '{"userId":"3"}' })).toEqual(['77', '3']);
    expect(idsOf('user.create', 'not json')).toBeUndefined();
    expect(idsOf('upload.complete', '{"media":{"id":"0x1","ownerId":"9"}}')).toBeUndefined();
  });

  it('keeps times relative to the measured window and counts what it could not parse', () => {
    const log = new WriteLog(5e9);
    log.writeFromResponse('user.create', 4e9, 4.5e9, '{"id":"1"}');
    log.writeFromResponse('user.create', 6e9, 6.5e9, '<html>');
    log.failure('feed.read', 'timeout', 7e9, 9e9, '/users/1/feed');
    expect(log.toData()).toEqual({
      writes: [{ type: 'user.create', ids: ['1'], startS: -1, endS: -0.5 }],
      unparsedWrites: 1,
      failures: [{ endpoint: 'feed.read', kind: 'timeout', startS: 2, endS: 4, path: '/users/1/feed' }],
      failuresDropped: 0,
    });
  });
});
