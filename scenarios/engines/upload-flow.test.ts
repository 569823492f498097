import { describe, expect, it } from 'vitest';
import {
  UPLOAD_PAYLOAD_BYTES,
  completeHeadersOf,
  parseUploadStart,
  uploadCompleteBody,
  uploadCompletePath,
  uploadPayload,
  uploadUserId,
} from './upload-flow.ts';

const UPLOAD_ID = '0b7e6a52-4a49-4c7a-9a59-4b8f4f0f2f11';

describe('parseUploadStart', () => {
  it('accepts the 201 body of the uploads route with a loopback presigned URL', () => {
    const started = parseUploadStart(
      JSON.stringify({ uploadId: UPLOAD_ID, objectKey: `u/1/${UPLOAD_ID}.jpg`, uploadUrl: `http://127.0.0.1:4569/media/u/1/${UPLOAD_ID}.jpg?X-Amz-Signature=ab`, expiresInS: 900 }),
    );
    expect(started?.uploadId).toBe(UPLOAD_ID);
    expect(started?.objectKey).toBe(`u/1/${UPLOAD_ID}.jpg`);
    expect(started?.uploadUrl.origin).toBe('http://127.0.0.1:4569');
    expect(started?.uploadUrl.search).toBe('?X-Amz-Signature=ab');
  });

  it('refuses an uploadUrl that leaves this machine', () => {
    for (const uploadUrl of ['http://10.0.0.1/b/k', 'https://s3.amazonaws.com/bucket/key', 'http://192.168.1.5:9000/k', 'ftp://127.0.0.1/k']) {
      expect(parseUploadStart(JSON.stringify({ uploadId: UPLOAD_ID, objectKey: 'k', uploadUrl }))).toBeUndefined();
    }
  });

  it('refuses bodies without the three strings, or that are not JSON', () => {
    expect(parseUploadStart('')).toBeUndefined();
    expect(parseUploadStart('not json')).toBeUndefined();
    expect(parseUploadStart('null')).toBeUndefined();
    expect(parseUploadStart(JSON.stringify({ uploadId: UPLOAD_ID, uploadUrl: 'http://127.0.0.1/k' }))).toBeUndefined();
    expect(parseUploadStart(JSON.stringify({ uploadId: '', objectKey: 'k', uploadUrl: 'http://127.0.0.1/k' }))).toBeUndefined();
    expect(parseUploadStart(JSON.stringify({ uploadId: UPLOAD_ID, objectKey: 'k', uploadUrl: 'not a url' }))).toBeUndefined();
  });
});

describe('upload paths and bodies', () => {
  it('takes the user ID from the start path and builds the complete path from it', () => {
    expect(uploadUserId('/users/1000042/uploads')).toBe('1000042');
    expect(uploadUserId('/users/1000042/uploads?x=1')).toBe('1000042');
    expect(uploadUserId('/users/1000042/feed')).toBeUndefined();
    expect(uploadCompletePath('1000042', UPLOAD_ID)).toBe(`/users/1000042/uploads/${UPLOAD_ID}/complete`);
  });

  it('sends a caption derived from the request index', () => {
    expect(JSON.parse(uploadCompleteBody(7))).toEqual({ caption: 'feedscale upload 7' });
  });

  it('keeps the start headers for the complete call and adds a JSON content type only when missing', () => {
    const withType = { authorization: 'Bearer t', 'content-type': 'application/json' };
    expect(completeHeadersOf(withType)).toBe(withType);
    expect(completeHeadersOf({ authorization: 'Bearer t' })).toEqual({ authorization: 'Bearer t', 'content-type': 'application/json' });
    expect(completeHeadersOf(undefined)).toEqual({ 'content-type': 'application/json' });
  });
});

describe('uploadPayload', () => {
  it('is a JPEG-shaped buffer of a few hundred bytes: SOI, JFIF APP0, a comment segment, EOI', () => {
    const bytes = uploadPayload(3);
    expect(bytes.length).toBe(UPLOAD_PAYLOAD_BYTES);
    expect([...bytes.subarray(0, 4)]).toEqual([0xff, 0xd8, 0xff, 0xe0]);
    expect(bytes.subarray(6, 10).toString('latin1')).toBe('JFIF');
    expect([bytes[20], bytes[21]]).toEqual([0xff, 0xfe]);
    // The comment's length runs exactly to the EOI marker.
    expect(22 + bytes.readUInt16BE(22)).toBe(UPLOAD_PAYLOAD_BYTES - 2);
    expect([...bytes.subarray(-2)]).toEqual([0xff, 0xd9]);
  });

  it('gives the same bytes for the same index and different bytes for another', () => {
    expect(uploadPayload(41).equals(uploadPayload(41))).toBe(true);
    expect(uploadPayload(41).equals(uploadPayload(42))).toBe(false);
  });
});
