import { describe, expect, it } from 'vitest';
import { ENDPOINTS } from '../requests/endpoints.ts';
import { createWorkloadModel, deriveCheckInModel, deriveOperationMix, deriveTargeting, referenceRateRps, usersAtScale, usersSupported, WorkloadModelSchema } from './model.ts';

describe('workload model', () => {
  it('defaults to the FACTS.md ratios at scale 1/5000', () => {
    const model = createWorkloadModel();
    expect(model.scaleFactor).toBe(1 / 5000);
    expect(model.photosPerUser).toBe(21);
    expect(model.likesPerUpload).toBeCloseTo(3.6, 12);
    expect(model.feedReadsPerWrite).toBe(100);
    expect(usersAtScale(model)).toBe(2800);
    expect(Object.isFrozen(model)).toBe(true);
  });

  it('gives 140,000 users at scale 1/100', () => {
    expect(usersAtScale(createWorkloadModel({ scaleFactor: 1 / 100 }))).toBe(140_000);
  });

  it('never scales below one user', () => {
    expect(usersAtScale(createWorkloadModel({ scaleFactor: 1e-12 }))).toBe(1);
  });

  it('documents every parameter with its source or as an assumption', () => {
    for (const [name, schema] of Object.entries(WorkloadModelSchema.properties)) {
      expect(schema.description, name).toMatch(/.{20,}/);
    }
  });

  it('rejects a bad field and names it', () => {
    expect(() => createWorkloadModel({ scaleFactor: 0 })).toThrow(/\/scaleFactor/);
    expect(() => createWorkloadModel({ photosPerUser: -1 })).toThrow(/\/photosPerUser/);
    expect(() => createWorkloadModel({ nope: 1 } as never)).toThrow(/CFG_ERR_INVALID|invalid workload model/);
  });
});

describe('deriveOperationMix', () => {
  it('returns a weight for every endpoint, summing to 1', () => {
    const mix = deriveOperationMix(createWorkloadModel());
    expect(Object.keys(mix).sort()).toEqual([...ENDPOINTS].sort());
    expect(Object.values(mix).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
  });

  it('keeps likes : uploads at 3.6 and feed reads at 100 per write', () => {
    const model = createWorkloadModel();
    const mix = deriveOperationMix(model);
    expect(mix['media.like'] / mix['upload.start']).toBeCloseTo(3.6, 10);
    const writes = mix['upload.start'] + mix['media.like'] + mix['follow.create'] + mix['user.create'];
    expect(mix['feed.read'] / writes).toBeCloseTo(100, 10);
    expect(mix['feed.read']).toBeGreaterThan(0.85);
  });

  it('leaves nearby searches out of the derived mix by default, and adds them per feed read when asked', () => {
    expect(deriveOperationMix(createWorkloadModel())['media.nearby']).toBe(0);
    const mix = deriveOperationMix(createWorkloadModel({ nearbyQueriesPerFeedRead: 0.05 }));
    expect(mix['media.nearby'] / mix['feed.read']).toBeCloseTo(0.05, 12);
  });

  it('follows parameter changes: no follows and no sign-ups give them zero weight', () => {
    const mix = deriveOperationMix(createWorkloadModel({ followsPerUpload: 0, signupsPerUpload: 0, mediaReadsPerFeedRead: 0 }));
    expect(mix['follow.create']).toBe(0);
    expect(mix['user.create']).toBe(0);
    expect(mix['media.read']).toBe(0);
    expect(mix['feed.read'] / (mix['upload.start'] + mix['media.like'])).toBeCloseTo(100, 10);
  });
});

describe('reference rates', () => {
  it('turns a sustained rate into users supported at 2011 per-user rates', () => {
    const model = createWorkloadModel();
    const fullRate = referenceRateRps(model);
    // 25 uploads/s plus 3.6 likes, 1 follow and 0.015 sign-ups per upload, 100 reads per write, 10% media reads.
    expect(fullRate).toBeCloseTo(25 * 5.615 * (1 + 100 * 1.1), 6);
    expect(usersSupported(model, fullRate)).toBeCloseTo(14_000_000, 3);
    expect(usersSupported(model, fullRate / 2)).toBeCloseTo(7_000_000, 3);
  });

  it('derives the check-in model of the seeded locations', () => {
    expect(deriveCheckInModel(createWorkloadModel({ checkInMedianDistanceM: 1500 }))).toEqual({ cityZipfExponent: 1, medianDistanceM: 1500, distanceSigma: 1 });
    expect(createWorkloadModel().geotaggedShare).toBe(0.2);
    expect(() => createWorkloadModel({ geotaggedShare: 1.5 })).toThrow(/\/geotaggedShare/);
  });

  it('derives the request targeting from the skew assumptions', () => {
    const model = createWorkloadModel({ followerZipfExponent: 1.3 });
    expect(deriveTargeting(model)).toEqual({ activityExponent: 0.6, likeTargetExponent: 1, followTargetExponent: 1.3 });
  });
});
