/**
 * Stable labels of the operations a plan can mix. They name result rows (EndpointResult.endpoint)
 * and plan weights, so renaming one is a breaking change of the result format.
 *
 * upload.start stands for the whole upload flow (start, PUT to the object store, complete); the
 * engine drives the later steps from the response (see RequestSpec.followUp). media.nearby is
 * GET /media/nearby, the geo search that visits every physical shard. New labels go last: the
 * generator draws over this order, so appending keeps every existing plan's stream unchanged.
 */
export const ENDPOINTS = ['feed.read', 'media.read', 'media.like', 'follow.create', 'upload.start', 'user.create', 'media.nearby'] as const;
export type Endpoint = (typeof ENDPOINTS)[number];

export function isEndpoint(value: string): value is Endpoint {
  return (ENDPOINTS as readonly string[]).includes(value);
}
