/**
 * Names of the custom k6 metrics the scripts record and the summary converter reads back.
 * Pure (no k6 import) so that Node tests and the converter share them with the scripts.
 *
 * k6 v1 accepts metric names of letters, digits and `_` only (not starting with a digit), so
 * an endpoint label like "feed.read" becomes "feed_read" inside a metric name; the original
 * label travels as the `endpoint` tag.
 */
import { ENDPOINTS, type Endpoint } from '../../requests/endpoints.ts';

/**
 * The upload flow's later steps (PUT to the presigned URL, POST complete). They are not plan
 * endpoints (a plan weights `upload.start`, which stands for the whole flow) but get result
 * rows of their own, as the open-loop engine records them "on their own" (RequestSpec.followUp).
 */
export const UPLOAD_FOLLOW_UPS = ['upload.put', 'upload.complete'] as const;
export type UploadFollowUp = (typeof UPLOAD_FOLLOW_UPS)[number];

/** Every label a k6 run can produce a result row for. */
export type RecordedEndpoint = Endpoint | UploadFollowUp;

/**
 * Failure kinds counted per endpoint. k6 metrics must exist before the run starts (init
 * context), so the kinds are a closed list: the statuses a healthy or overloaded feedscale
 * stack answers with, then catch-alls. Names match the open-loop engine's where they overlap
 * ("status_503", "timeout", "ECONNREFUSED").
 */
export const ERROR_STATUSES = [400, 401, 403, 404, 408, 409, 413, 422, 429, 500, 502, 503, 504] as const;
export const ERROR_KINDS = [
  ...ERROR_STATUSES.map((status) => `status_${status}` as const),
  'status_other',
  'timeout',
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'network_error',
  /** upload.start answered 2xx but without a usable uploadUrl/uploadId, or with a non-loopback URL. */
  'bad_upload_response',
] as const;
export type ErrorKind = (typeof ERROR_KINDS)[number];

const PREFIX = 'feedscale';

function slug(endpoint: string): string {
  return endpoint.replace(/[^A-Za-z0-9_]/g, '_');
}

/** Trend (isTime) of response times of measured requests, ms. */
export function latencyMetricName(endpoint: RecordedEndpoint): string {
  return `${PREFIX}_latency_${slug(endpoint)}`;
}

/**
 * Trend of latency from the iteration's intended start (scenario start + the schedule's time of
 * iteration i): what the open-loop engine calls fromIntended.
 */
export function intendedLatencyMetricName(endpoint: RecordedEndpoint): string {
  return `${PREFIX}_intended_${slug(endpoint)}`;
}

/** Counter of measured requests sent. */
export function sentMetricName(endpoint: RecordedEndpoint): string {
  return `${PREFIX}_sent_${slug(endpoint)}`;
}

/** Counter of measured responses with a 2xx/3xx status. */
export function okMetricName(endpoint: RecordedEndpoint): string {
  return `${PREFIX}_ok_${slug(endpoint)}`;
}

/** Counter of measured failures of one kind. */
export function errorMetricName(endpoint: RecordedEndpoint, kind: ErrorKind): string {
  return `${PREFIX}_error_${slug(endpoint)}_${kind}`;
}

/**
 * What went wrong with one k6 response, or undefined when it succeeded (2xx/3xx).
 * `errorCode` is k6's Response.error_code (0 when none); the numbers are k6's documented
 * codes (javascript-api/error-codes; lib/netext/httpext/error_codes.go): 1050 request timeout,
 * 1211 dial timeout, 1212 connection refused, 1220 reset by peer, 1201 broken pipe.
 */
export function classifyResponse(status: number, errorCode: number): ErrorKind | undefined {
  if (status >= 200 && status < 400) return undefined;
  if (status > 0) {
    return (ERROR_STATUSES as readonly number[]).includes(status) ? (`status_${status}` as ErrorKind) : 'status_other';
  }
  switch (errorCode) {
    case 1050:
    case 1211:
      return 'timeout';
    case 1212:
      return 'ECONNREFUSED';
    case 1220:
      return 'ECONNRESET';
    case 1201:
      return 'EPIPE';
    default:
      return 'network_error';
  }
}

/** Plan endpoints with a positive weight, in ENDPOINTS order, then the upload follow-ups when uploads are mixed in. */
export function recordedEndpoints(mix: Partial<Record<Endpoint, number | undefined>>): RecordedEndpoint[] {
  const active: RecordedEndpoint[] = ENDPOINTS.filter((e) => (mix[e] ?? 0) > 0);
  if (active.includes('upload.start')) active.push(...UPLOAD_FOLLOW_UPS);
  return active;
}
