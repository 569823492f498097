/**
 * The errors the local object store's signature check answers, with the HTTP status S3 gives
 * each. The codes are S3's own (clients match on them), not feedscale's AREA_ERR codes.
 */
export const S3_ERROR_STATUS = Object.freeze({
  AccessDenied: 403,
  SignatureDoesNotMatch: 403,
  InvalidAccessKeyId: 403,
  RequestTimeTooSkewed: 403,
  AuthorizationHeaderMalformed: 400,
  AuthorizationQueryParametersError: 400,
  InvalidArgument: 400,
  InvalidRequest: 400,
  XAmzContentSHA256Mismatch: 400,
  EntityTooLarge: 400,
  InternalError: 500,
  NotImplemented: 501,
  ServiceUnavailable: 503,
});
export type S3ErrorCode = keyof typeof S3_ERROR_STATUS;

export interface S3ErrorReply {
  code: S3ErrorCode;
  statusCode: number;
  message: string;
  /** Extra elements of the XML body, in order (S3 adds e.g. HeadersNotSigned, StringToSign). */
  detail: Readonly<Record<string, string>>;
}

export function s3Error(code: S3ErrorCode, message: string, detail: Record<string, string> = {}): S3ErrorReply {
  return { code, statusCode: S3_ERROR_STATUS[code], message, detail };
}

const XML_ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => XML_ESCAPES[c]!);
}

/**
 * The body S3 answers an error with.
 *
 * @example
 * renderS3ErrorXml(s3Error('AccessDenied', 'Request has expired'), { resource: '/media/a.jpg', requestId: '4442587FB7D0A2F9' })
 * // <?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>Request has expired</Message>...
 */
export function renderS3ErrorXml(error: S3ErrorReply, context: { resource: string; requestId: string }): string {
  const elements: Array<[string, string]> = [
    ['Code', error.code],
    ['Message', error.message],
    ...Object.entries(error.detail),
    ['Resource', context.resource],
    ['RequestId', context.requestId],
  ];
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error>${elements.map(([name, value]) => `<${name}>${escapeXml(value)}</${name}>`).join('')}</Error>`;
}
