/**
 * The bytes k6 PUTs to a presigned upload URL: a fixed 22-byte JPEG skeleton (SOI, a JFIF
 * APP0 segment, EOI). The object store checks neither size nor content, and the app only
 * checks that the object exists, so the payload stays tiny: the upload flow measures the
 * three round trips, not bandwidth. Fixed bytes keep every run identical.
 */
const JPEG_SKELETON = [
  0xff, 0xd8, // SOI
  0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, // APP0, length 16, "JFIF\0"
  0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, // version 1.1, no units, 1x1 density, no thumbnail
  0xff, 0xd9, // EOI
] as const;

export const UPLOAD_CONTENT_TYPE = 'image/jpeg';

/** A fresh copy each call, so no caller can change another's bytes. */
export function uploadPayload(): ArrayBuffer {
  return new Uint8Array(JPEG_SKELETON).buffer;
}
