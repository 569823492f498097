import { describe, expect, it } from 'vitest';
import { solveOpenNetwork } from '../analytical/open-network.ts';
import { buildInstagram2011Model } from './instagram-2011.ts';

describe('buildInstagram2011Model', () => {
  it('carries the published 2011 rates: 25 uploads/s, 90 likes/s, reads 100x writes, 25 app hosts', () => {
    const model = buildInstagram2011Model();
    const rate = (id: string) => model.classes.find((c) => c.id === id)!.rateRps;
    expect(rate('upload.complete')).toBe(25);
    expect(rate('media.like')).toBe(90);
    expect(rate('feed.read') + rate('media.read')).toBeCloseTo(11_500, 9);
    expect(model.hosts.find((h) => h.id === 'app-host')!.replicas).toBe(25);
  });

  it('is stable at its defaults, with the app tier as the bottleneck', () => {
    const prediction = solveOpenNetwork(buildInstagram2011Model(), { percentilesFor: [] });
    expect(prediction.stable).toBe(true);
    expect(prediction.bottleneck).toMatchObject({ kind: 'station', id: 'app' });
    expect(prediction.classes.find((c) => c.classId === 'feed.fanout')!.arrivalRateRps).toBeCloseTo(100, 9);
  });

  it('saturates when the app fleet shrinks to 10 hosts', () => {
    const prediction = solveOpenNetwork(buildInstagram2011Model({ appHosts: 10 }), { percentilesFor: [] });
    expect(prediction.stable).toBe(false);
    expect(prediction.classes.find((c) => c.classId === 'feed.read')!.saturatedAt).toContain('app');
  });
});
