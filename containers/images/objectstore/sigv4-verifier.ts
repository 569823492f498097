import { createHash, timingSafeEqual } from 'node:crypto';
import { parseQueryString } from '@smithy/core/protocols';
import { Hash } from '@smithy/core/serde';
import { ALGORITHM_IDENTIFIER, SignatureV4, getCanonicalHeaders } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, HttpRequest, QueryParameterBag } from '@smithy/types';
import { type S3ErrorReply, s3Error } from './s3-error-reply.ts';

/**
 * AWS Signature Version 4 as S3 checks it, for the local object store (s3rver leaves V4
 * unverified). Pure: the caller hands in the request as received and the current time; the
 * expected signature is recomputed with the AWS SDK's own signer and compared in constant time.
 */

/** What the verifier reads of an HTTP request. */
export interface ReceivedRequest {
  method: string;
  /** The request target exactly as sent (`/media/u/1/a%20b.jpg?X-Amz-Date=...`), never decoded. */
  target: string;
  /** Header names as Node gives them (lower case); repeated headers as arrays. */
  headers: Readonly<Record<string, string | readonly string[] | undefined>>;
}

export interface SigV4VerifierOptions {
  /** The one key pair the store accepts. */
  credentials: { accessKeyId: string; secretAccessKey: string };
  /**
   * Let unauthenticated GET and HEAD of objects through, as a public-read bucket behind a CDN
   * does (the CDN container reads objects anonymously). Writes, listings and every other
   * unauthenticated request get 403 AccessDenied either way.
   */
  anonymousObjectReads: boolean;
}

/** What the body must hash to before the request may reach the store. */
export type PayloadRequirement = { kind: 'unsigned' } | { kind: 'sha256'; sha256Hex: string };

export type SigV4Verdict =
  | {
      ok: true;
      auth: 'anonymous' | 'presigned' | 'header';
      payload: PayloadRequirement;
      /** The target to forward: the query-string auth parameters removed, everything else as sent. */
      upstreamTarget: string;
    }
  | { ok: false; error: S3ErrorReply };

export interface SigV4Verifier {
  verify(request: ReceivedRequest, nowMs: number): Promise<SigV4Verdict>;
}

/** S3 refuses header-signed requests dated further than this from its clock. */
export const MAX_CLOCK_SKEW_MS = 15 * 60_000;
/** The longest a presigned URL may live (X-Amz-Expires), one week as on S3. */
export const MAX_PRESIGNED_EXPIRES_S = 7 * 24 * 3600;

const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';
const SHA256_HEX = /^[0-9a-fA-F]{64}$/;
const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;
const QUERY_AUTH_PARAMS = ['X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Date', 'X-Amz-Expires', 'X-Amz-SignedHeaders', 'X-Amz-Signature'] as const;
const STRIPPED_QUERY_PARAMS = new Set<string>([...QUERY_AUTH_PARAMS, 'X-Amz-Security-Token']);
const V4_ONLY = 'The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.';

interface CredentialScope {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
  /** `date/region/service/aws4_request`, as it enters the string to sign. */
  value: string;
}

interface ParsedRequest {
  method: string;
  /** Raw path, as signed by S3 clients (S3 does not URI-encode it a second time). */
  path: string;
  rawQuery: string;
  query: QueryParameterBag;
  headers: ReadonlyMap<string, string>;
}

/** Which authentication this request claims, decided before anything is checked. */
type Mechanism = 'anonymous' | 'header' | 'presigned' | 'v2';

/**
 * The SDK's SigV4 signer, asked for the signature of a request as the server received it.
 * `presign`/`sign` choose the headers to sign themselves and hoist x-amz-* headers into the
 * query; a server must instead sign exactly the headers the client listed, so this uses the
 * signer's canonical-request, string-to-sign and signing-key steps directly.
 */
class ReceivedRequestSigner extends SignatureV4 {
  constructor(credentials: AwsCredentialIdentity) {
    // S3 signs the path as sent (no second URI-encoding) and never adds a payload-hash header here.
    super({ credentials, region: 'us-east-1', service: 's3', sha256: Hash.bind(null, 'sha256'), uriEscapePath: false, applyChecksum: false });
  }

  async expectedSignature(
    request: HttpRequest,
    signedHeaders: ReadonlySet<string>,
    payloadHash: string,
    scope: CredentialScope,
    amzDate: string,
  ): Promise<{ signature: string; canonicalRequest: string; stringToSign: string }> {
    // signableHeaders lets the client sign headers the SDK would never sign itself (user-agent, ...).
    const canonicalHeaders = getCanonicalHeaders(request, undefined, new Set(signedHeaders));
    const canonicalRequest = this.createCanonicalRequest(request, canonicalHeaders, payloadHash);
    const stringToSign = await this.createStringToSign(amzDate, scope.value, canonicalRequest, ALGORITHM_IDENTIFIER);
    const signature = await this.sign(stringToSign, { signingDate: parseAmzDate(amzDate)!, signingRegion: scope.region, signingService: scope.service });
    return { signature, canonicalRequest, stringToSign };
  }
}

/** `20261128T074614Z` -> Date, or undefined when it is not that format. */
function parseAmzDate(value: string): Date | undefined {
  const m = AMZ_DATE.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m.map(Number) as [number, number, number, number, number, number, number];
  const date = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  // Date.UTC rolls 20260230 over to March; S3 rejects such dates.
  return date.getUTCDate() === d && date.getUTCMonth() === mo - 1 ? date : undefined;
}

function formatAmzDate(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}/, '').replace(/[-:]/g, '');
}

function parseRequest(request: ReceivedRequest): ParsedRequest | S3ErrorReply {
  const queryAt = request.target.indexOf('?');
  const path = (queryAt === -1 ? request.target : request.target.slice(0, queryAt)) || '/';
  const rawQuery = queryAt === -1 ? '' : request.target.slice(queryAt + 1);
  let parsed: ReturnType<typeof parseQueryString>;
  try {
    parsed = parseQueryString(rawQuery);
  } catch {
    return s3Error('InvalidArgument', 'The query string is not valid percent-encoding.', { ArgumentName: 'QueryString', ArgumentValue: rawQuery });
  }
  const query: QueryParameterBag = {};
  // `?uploads` and `?uploads=` both sign as `uploads=`.
  for (const [key, value] of Object.entries(parsed)) {
    query[key] = Array.isArray(value) ? value.map((v) => v ?? '') : (value ?? '');
  }
  const headers = new Map<string, string>();
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined) continue;
    headers.set(name.toLowerCase(), typeof value === 'string' ? value : value.join(','));
  }
  return { method: request.method.toUpperCase(), path, rawQuery, query, headers };
}

function mechanismOf(req: ParsedRequest): Mechanism | S3ErrorReply {
  const authorization = req.headers.get('authorization');
  const presigned = 'X-Amz-Algorithm' in req.query || 'X-Amz-Signature' in req.query || 'X-Amz-Credential' in req.query;
  const v2Query = 'Signature' in req.query || 'AWSAccessKeyId' in req.query;
  if ([authorization !== undefined, presigned, v2Query].filter(Boolean).length > 1) {
    return s3Error(
      'InvalidArgument',
      'Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified',
    );
  }
  if (authorization !== undefined) return authorization.startsWith('AWS ') ? 'v2' : 'header';
  if (presigned) return 'presigned';
  return v2Query ? 'v2' : 'anonymous';
}

/** The object key of a path-style path (`/bucket/key...`), still URI-encoded; '' for bucket and service paths. */
function objectKeyOf(path: string): string {
  const slash = path.indexOf('/', 1);
  return slash === -1 ? '' : path.slice(slash + 1);
}

function withoutQueryAuth(req: ParsedRequest): string {
  const kept = req.rawQuery.split('&').filter((pair) => {
    if (pair === '') return false;
    const rawKey = pair.split('=', 1)[0]!;
    try {
      return !STRIPPED_QUERY_PARAMS.has(decodeURIComponent(rawKey));
    } catch {
      return true;
    }
  });
  return kept.length > 0 ? `${req.path}?${kept.join('&')}` : req.path;
}

function parseCredential(value: string, malformed: (why: string) => S3ErrorReply): CredentialScope | S3ErrorReply {
  const parts = value.split('/');
  if (parts.length !== 5) return malformed(`the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".`);
  const [accessKeyId, date, region, service, terminal] = parts as [string, string, string, string, string];
  if (!/^\d{8}$/.test(date)) return malformed(`incorrect date format "${date}". This date in the credential must be in the format "yyyyMMdd".`);
  if (region === '') return malformed('the region in the Credential is empty.');
  if (service !== 's3') return malformed(`incorrect service "${service}". This endpoint belongs to "s3".`);
  if (terminal !== 'aws4_request') return malformed(`incorrect terminal "${terminal}". This endpoint uses "aws4_request".`);
  return { accessKeyId, date, region, service, value: `${date}/${region}/${service}/${terminal}` };
}

/** Classifies x-amz-content-sha256 (or its query twin): what the body must hash to. */
function payloadRequirementOf(payloadHash: string): PayloadRequirement | S3ErrorReply {
  if (payloadHash === UNSIGNED_PAYLOAD) return { kind: 'unsigned' };
  if (SHA256_HEX.test(payloadHash)) return { kind: 'sha256', sha256Hex: payloadHash.toLowerCase() };
  if (payloadHash.startsWith('STREAMING-')) {
    // s3rver would store the aws-chunked framing as the object's bytes; refuse rather than corrupt.
    return s3Error('NotImplemented', `x-amz-content-sha256 ${payloadHash} (aws-chunked upload) is not supported by the local object store; send the body in one piece`);
  }
  return s3Error('InvalidArgument', 'x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, or a valid sha256 value.', {
    ArgumentName: 'x-amz-content-sha256',
    ArgumentValue: payloadHash,
  });
}

function isError(value: unknown): value is S3ErrorReply {
  return typeof value === 'object' && value !== null && 'code' in value && 'statusCode' in value;
}

function signaturesMatch(expectedHex: string, providedHex: string): boolean {
  const expected = Buffer.from(expectedHex, 'utf8');
  const provided = Buffer.from(providedHex, 'utf8');
  // The length of a signature is public (64 hex digits); only the content must not leak by timing.
  return expected.length === provided.length && timingSafeEqual(expected, provided);
}

/** The checks both mechanisms share once date, scope and signed headers are known. */
interface SignedParts {
  scope: CredentialScope;
  amzDate: string;
  signedHeaders: string;
  signature: string;
  payloadHash: string;
  /** Query parameters that enter the canonical request (all but X-Amz-Signature, which the signer skips). */
  query: QueryParameterBag;
}

/**
 * Creates the verifier for one key pair.
 *
 * @example
 * const verifier = createSigV4Verifier({ credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' }, anonymousObjectReads: true });
 * const verdict = await verifier.verify({ method: req.method, target: req.url, headers: req.headers }, Date.now());
 * if (!verdict.ok) reply(verdict.error.statusCode, renderS3ErrorXml(verdict.error, ...));
 */
export function createSigV4Verifier(options: SigV4VerifierOptions): SigV4Verifier {
  const { credentials } = options;
  const signer = new ReceivedRequestSigner(credentials);

  async function checkSignature(req: ParsedRequest, parts: SignedParts): Promise<S3ErrorReply | undefined> {
    const signedHeaderSet = new Set(parts.signedHeaders.split(';'));
    // S3 insists that the host and every x-amz-* header sent be covered by the signature.
    const notSigned = ['host', ...[...req.headers.keys()].filter((name) => name.startsWith('x-amz-'))].filter((name) => !signedHeaderSet.has(name));
    if (notSigned.length > 0) {
      return s3Error('AccessDenied', 'There were headers present in the request which were not signed', { HeadersNotSigned: notSigned.join(', ') });
    }
    const headers: Record<string, string> = {};
    for (const name of signedHeaderSet) {
      const value = req.headers.get(name);
      if (value !== undefined) headers[name] = value;
    }
    const toSign: HttpRequest = { method: req.method, protocol: 'http:', hostname: req.headers.get('host') ?? '', path: req.path, query: parts.query, headers };
    const expected = await signer.expectedSignature(toSign, signedHeaderSet, parts.payloadHash, parts.scope, parts.amzDate);
    if (signaturesMatch(expected.signature, parts.signature)) return undefined;
    return s3Error('SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided. Check your key and signing method.', {
      AWSAccessKeyId: parts.scope.accessKeyId,
      StringToSign: expected.stringToSign,
      SignatureProvided: parts.signature,
      CanonicalRequest: expected.canonicalRequest,
    });
  }

  async function verifyPresigned(req: ParsedRequest, nowMs: number): Promise<SigV4Verdict> {
    const malformed = (message: string) => ({ ok: false as const, error: s3Error('AuthorizationQueryParametersError', message) });
    const params: Record<string, string> = {};
    for (const name of QUERY_AUTH_PARAMS) {
      const value = req.query[name];
      if (typeof value !== 'string') {
        return malformed(
          'Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.',
        );
      }
      params[name] = value;
    }
    if (params['X-Amz-Algorithm'] !== ALGORITHM_IDENTIFIER) return malformed('X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"');
    const amzDate = params['X-Amz-Date']!;
    const signedAt = parseAmzDate(amzDate);
    if (!signedAt) return malformed(`X-Amz-Date must be in the ISO8601 Long Format "yyyyMMdd'T'HHmmss'Z'"`);
    const expiresRaw = params['X-Amz-Expires']!;
    const expiresS = /^\d+$/.test(expiresRaw) ? Number(expiresRaw) : Number.NaN;
    if (!Number.isSafeInteger(expiresS)) return malformed('X-Amz-Expires should be a number');
    if (expiresS > MAX_PRESIGNED_EXPIRES_S) return malformed('X-Amz-Expires must be less than a week (in seconds); that is, the given X-Amz-Expires must be less than 604800 seconds');
    const scope = parseCredential(params['X-Amz-Credential']!, (why) => s3Error('AuthorizationQueryParametersError', `Error parsing the X-Amz-Credential parameter; ${why}`));
    if (isError(scope)) return { ok: false, error: scope };
    if (scope.date !== amzDate.slice(0, 8)) return malformed('Invalid credential date. Date is not the same as X-Amz-Date.');
    if (scope.accessKeyId !== credentials.accessKeyId) {
      return { ok: false, error: s3Error('InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.', { AWSAccessKeyId: scope.accessKeyId }) };
    }
    const expiresAtMs = signedAt.getTime() + expiresS * 1000;
    if (nowMs > expiresAtMs) {
      return {
        ok: false,
        error: s3Error('AccessDenied', 'Request has expired', {
          'X-Amz-Expires': expiresRaw,
          Expires: new Date(expiresAtMs).toISOString().replace(/\.\d{3}/, ''),
          ServerTime: new Date(nowMs).toISOString().replace(/\.\d{3}/, ''),
        }),
      };
    }
    if (signedAt.getTime() - nowMs > MAX_CLOCK_SKEW_MS) return { ok: false, error: s3Error('AccessDenied', 'Request is not valid yet') };

    // Presigned URLs sign UNSIGNED-PAYLOAD unless the signer put a hash in the query (or a signed header).
    const payloadHash = (typeof req.query['X-Amz-Content-Sha256'] === 'string' ? req.query['X-Amz-Content-Sha256'] : req.headers.get('x-amz-content-sha256')) ?? UNSIGNED_PAYLOAD;
    const payload = payloadRequirementOf(payloadHash);
    if (isError(payload)) return { ok: false, error: payload };
    const failure = await checkSignature(req, {
      scope,
      amzDate,
      signedHeaders: params['X-Amz-SignedHeaders']!,
      signature: params['X-Amz-Signature']!,
      payloadHash,
      query: req.query,
    });
    if (failure) return { ok: false, error: failure };
    return { ok: true, auth: 'presigned', payload, upstreamTarget: withoutQueryAuth(req) };
  }

  async function verifyHeader(req: ParsedRequest, nowMs: number): Promise<SigV4Verdict> {
    const malformed = (message: string) => ({ ok: false as const, error: s3Error('AuthorizationHeaderMalformed', message) });
    const authorization = req.headers.get('authorization')!;
    const space = authorization.indexOf(' ');
    const algorithm = space === -1 ? authorization : authorization.slice(0, space);
    if (algorithm !== ALGORITHM_IDENTIFIER) {
      return { ok: false, error: s3Error('InvalidArgument', 'Unsupported Authorization Type', { ArgumentName: 'Authorization', ArgumentValue: authorization }) };
    }
    const components = new Map<string, string>();
    for (const component of authorization.slice(space + 1).split(',')) {
      const eq = component.indexOf('=');
      if (eq !== -1) components.set(component.slice(0, eq).trim(), component.slice(eq + 1).trim());
    }
    const credential = components.get('Credential');
    const signedHeaders = components.get('SignedHeaders');
    const signature = components.get('Signature');
    if (credential === undefined || signedHeaders === undefined || signature === undefined) {
      return malformed('The authorization header is malformed; the authorization header requires three components: Credential, SignedHeaders, and Signature.');
    }
    const amzDate = req.headers.get('x-amz-date');
    const signedAt = amzDate === undefined ? undefined : parseAmzDate(amzDate);
    if (amzDate === undefined || !signedAt) return { ok: false, error: s3Error('AccessDenied', 'AWS authentication requires a valid Date or x-amz-date header') };
    const scope = parseCredential(credential, (why) => s3Error('AuthorizationHeaderMalformed', `The authorization header is malformed; ${why}`));
    if (isError(scope)) return { ok: false, error: scope };
    if (scope.date !== amzDate.slice(0, 8)) return malformed('The authorization header is malformed; Invalid credential date. Date is not the same as X-Amz-Date.');
    if (scope.accessKeyId !== credentials.accessKeyId) {
      return { ok: false, error: s3Error('InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.', { AWSAccessKeyId: scope.accessKeyId }) };
    }
    if (Math.abs(nowMs - signedAt.getTime()) > MAX_CLOCK_SKEW_MS) {
      return {
        ok: false,
        error: s3Error('RequestTimeTooSkewed', 'The difference between the request time and the current time is too large.', {
          RequestTime: amzDate,
          ServerTime: formatAmzDate(nowMs),
          MaxAllowedSkewMilliseconds: String(MAX_CLOCK_SKEW_MS),
        }),
      };
    }
    const payloadHash = req.headers.get('x-amz-content-sha256');
    if (payloadHash === undefined) return { ok: false, error: s3Error('InvalidRequest', 'Missing required header for this request: x-amz-content-sha256') };
    const payload = payloadRequirementOf(payloadHash);
    if (isError(payload)) return { ok: false, error: payload };
    const failure = await checkSignature(req, { scope, amzDate, signedHeaders, signature, payloadHash, query: req.query });
    if (failure) return { ok: false, error: failure };
    return { ok: true, auth: 'header', payload, upstreamTarget: withoutQueryAuth(req) };
  }

  return {
    async verify(request, nowMs) {
      const req = parseRequest(request);
      if (isError(req)) return { ok: false, error: req };
      const mechanism = mechanismOf(req);
      if (isError(mechanism)) return { ok: false, error: mechanism };
      switch (mechanism) {
        case 'header':
          return verifyHeader(req, nowMs);
        case 'presigned':
          return verifyPresigned(req, nowMs);
        case 'v2':
          return { ok: false, error: s3Error('InvalidRequest', V4_ONLY) };
        case 'anonymous': {
          const objectRead = (req.method === 'GET' || req.method === 'HEAD') && objectKeyOf(req.path) !== '';
          // CORS preflights carry no credentials on S3 either.
          if (req.method === 'OPTIONS' || (options.anonymousObjectReads && objectRead)) {
            return { ok: true, auth: 'anonymous', payload: { kind: 'unsigned' }, upstreamTarget: request.target };
          }
          return { ok: false, error: s3Error('AccessDenied', 'Access Denied') };
        }
      }
    },
  };
}

/** Checks a buffered body against a signed payload hash; undefined when it matches. */
export function checkPayload(body: Uint8Array, requirement: PayloadRequirement): S3ErrorReply | undefined {
  if (requirement.kind === 'unsigned') return undefined;
  const computed = createHash('sha256').update(body).digest('hex');
  if (signaturesMatch(computed, requirement.sha256Hex)) return undefined;
  return s3Error('XAmzContentSHA256Mismatch', "The provided 'x-amz-content-sha256' header does not match what was computed.", {
    ClientComputedContentSHA256: requirement.sha256Hex,
    S3ComputedContentSHA256: computed,
  });
}
