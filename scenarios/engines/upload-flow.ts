import { isLoopbackHost } from '../../lib/loopback.ts';
import { mulberry32 } from './arrival-schedule.ts';

/**
 * The upload flow the open-loop engine drives after an `upload.start` whose RequestSpec has
 * `followUp: 'upload.complete'` (system/app/routes/uploads.ts): the start answers 201 with a
 * presigned uploadUrl on the object store, the engine PUTs the image bytes there, then POSTs
 * `/users/:userId/uploads/:uploadId/complete`. Pure helpers; the engine does the I/O.
 */

/** Endpoint labels of the flow's result rows (the same as the k6 driver's, scenarios/k6/lib/metric-names.ts). */
export const UPLOAD_START = 'upload.start';
export const UPLOAD_PUT = 'upload.put';
export const UPLOAD_COMPLETE = 'upload.complete';
/** Synthetic row: the whole flow, from the start's intended time to the end of the complete call. */
export const UPLOAD_FLOW = 'upload.flow';

/** upload.start answered 2xx without a usable {uploadId, uploadUrl, objectKey}, or with a non-loopback uploadUrl. */
export const BAD_UPLOAD_RESPONSE = 'bad_upload_response';

/** The presigned URL is signed for this content type (system/app/plugins/object-store.ts presignPut). */
export const UPLOAD_CONTENT_TYPE = 'image/jpeg';

/**
 * Payload size: "a few hundred bytes". The object store checks neither size nor content and the
 * app only checks that the object exists, so the flow measures three round trips, not bandwidth.
 */
export const UPLOAD_PAYLOAD_BYTES = 320;

export interface UploadStarted {
  uploadId: string;
  objectKey: string;
  uploadUrl: URL;
}

/**
 * The start response's body, if it is usable: the three strings present and the uploadUrl an
 * http(s) URL on this machine (lib/loopback.ts). Anything else is undefined: the engine counts it
 * as BAD_UPLOAD_RESPONSE and sends nothing to that URL.
 */
export function parseUploadStart(bodyText: string): UploadStarted | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(bodyText);
  } catch {
    return undefined;
  }
  if (!parsed || typeof parsed !== 'object') return undefined;
  const { uploadId, uploadUrl, objectKey } = parsed as Record<string, unknown>;
  if (typeof uploadId !== 'string' || uploadId === '' || typeof objectKey !== 'string' || typeof uploadUrl !== 'string') return undefined;
  let url: URL;
  try {
    url = new URL(uploadUrl);
  } catch {
    return undefined;
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || !isLoopbackHost(url.hostname)) return undefined;
  return { uploadId, objectKey, uploadUrl: url };
}

const UPLOAD_PATH = /^\/users\/([^/?#]+)\/uploads(?:[?#]|$)/;

/** The user ID of an upload.start path (`/users/:userId/uploads`), or undefined. */
export function uploadUserId(startPath: string): string | undefined {
  return UPLOAD_PATH.exec(startPath)?.[1];
}

/** Path of the complete call, relative to the engine's base URL (its path prefix excluded). */
export function uploadCompletePath(userId: string, uploadId: string): string {
  return `/users/${userId}/uploads/${encodeURIComponent(uploadId)}/complete`;
}

/** The complete call's body: a caption derived from the request index (deterministic). */
export function uploadCompleteBody(index: number): string {
  return JSON.stringify({ caption: `feedscale upload ${index}` });
}

const JFIF_HEAD = [
  0xff, 0xd8, // SOI
  0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, // APP0, length 16, "JFIF\0"
  0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, // version 1.1, no units, 1x1 density, no thumbnail
];
const COM_HEADER_BYTES = 4; // 0xFF 0xFE and a 2-byte length
const EOI_BYTES = 2;
const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/**
 * A JPEG-shaped payload of UPLOAD_PAYLOAD_BYTES: SOI, a JFIF APP0 segment, a comment (COM)
 * segment of letters drawn from a PRNG seeded with the request index, EOI. Request i of a seed
 * uploads the same bytes in every run; different requests upload different objects.
 */
export function uploadPayload(index: number): Buffer {
  const out = Buffer.alloc(UPLOAD_PAYLOAD_BYTES);
  out.set(JFIF_HEAD, 0);
  let at = JFIF_HEAD.length;
  const commentBytes = UPLOAD_PAYLOAD_BYTES - JFIF_HEAD.length - COM_HEADER_BYTES - EOI_BYTES;
  out[at++] = 0xff;
  out[at++] = 0xfe;
  // A segment's length counts its own two length bytes.
  out.writeUInt16BE(commentBytes + 2, at);
  at += 2;
  const uniform = mulberry32(index);
  for (let i = 0; i < commentBytes; i++) out[at++] = LETTERS.charCodeAt(Math.floor(uniform() * LETTERS.length));
  out[at++] = 0xff;
  out[at++] = 0xd9; // EOI
  return out;
}

/** What the later steps of one flow need from its start. */
export interface UploadFlowState {
  readonly userId: string;
  readonly uploadId: string;
  /** Headers of the start request (authorization included), for the complete call. */
  readonly completeHeaders: Record<string, string>;
  /** The start's intended time and send time, ns on the run's clock: the flow's latency origins. */
  readonly intendedNs: number;
  readonly sendNs: number;
  /** Whether the start was in the measured window; its follow-ups are measured with it. */
  readonly measured: boolean;
}

const JSON_CONTENT_TYPE = Object.freeze({ 'content-type': 'application/json' });

/** The start's headers, with a JSON content type added when they have none (the complete call sends JSON). */
export function completeHeadersOf(startHeaders: Record<string, string> | undefined): Record<string, string> {
  if (!startHeaders) return JSON_CONTENT_TYPE;
  for (const name of Object.keys(startHeaders)) if (name.toLowerCase() === 'content-type') return startHeaders;
  return { ...startHeaders, ...JSON_CONTENT_TYPE };
}
