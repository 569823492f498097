import { describe, expect, it } from 'vitest';
import { selectFeedPage } from './feed-page.ts';

describe('selectFeedPage', () => {
  it('returns the first limit IDs and a cursor when one more was read', () => {
    expect(selectFeedPage(['50', '40', '30'], 2)).toEqual({ ids: ['50', '40'], nextBefore: '40' });
  });

  it('omits the cursor on the last page', () => {
    expect(selectFeedPage(['50', '40'], 2)).toEqual({ ids: ['50', '40'] });
    expect(selectFeedPage([], 5)).toEqual({ ids: [] });
  });

  it('keeps push order after a cursor even where IDs from different shards interleave', () => {
    expect(selectFeedPage(['30', '45', '20'], 2)).toEqual({ ids: ['30', '45'], nextBefore: '45' });
  });

  it('falls back to IDs below the bound when the cursor was trimmed off the list', () => {
    expect(selectFeedPage(['90', '80', '35', '20', '10'], 2, '40')).toEqual({ ids: ['35', '20'], nextBefore: '20' });
  });

  it('compares 64-bit IDs exactly, beyond double precision', () => {
    const ids = ['9007199254740995', '9007199254740994', '9007199254740993'];
    expect(selectFeedPage(ids, 5, '9007199254740994').ids).toEqual(['9007199254740993']);
  });

  it('shows a media that is in the list twice once, and pages on past it', () => {
    expect(selectFeedPage(['50', '40', '50', '30'], 2)).toEqual({ ids: ['50', '40'], nextBefore: '40' });
    expect(selectFeedPage(['50', '50'], 5)).toEqual({ ids: ['50'] });
  });
});
