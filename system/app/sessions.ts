import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { sessionKey } from '../feed/feed-keys.ts';
import { ApiError } from './api-errors.ts';

/**
 * Sessions as Instagram kept them in 2011 (Redis, docs/facts.md): an opaque token whose key
 * holds the user ID and expires by TTL. Every write names its acting user (path `:userId`, or
 * `userId` in a like's body) and must carry `Authorization: Bearer <token>` of that user.
 */

/** Tokens are 128 random bits in hex; the seeded ones (scenarios/workload/session-tokens.ts) too. */
const BEARER = /^Bearer ([0-9a-f]{32})$/;

/** The token of an Authorization header, or null when it is missing or not a well-formed bearer token. */
export function parseBearerToken(header: string | string[] | undefined): string | null {
  if (typeof header !== 'string' || header.length > 100) return null;
  return BEARER.exec(header)?.[1] ?? null;
}

export type AuthDecision = 'ok' | 'unauthenticated' | 'forbidden';

/** Whether a session (null: no such token, or expired) may act as `actingUserId`. */
export function authDecision(sessionUserId: string | null, actingUserId: string): AuthDecision {
  if (sessionUserId === null) return 'unauthenticated';
  return sessionUserId === actingUserId ? 'ok' : 'forbidden';
}

export function newSessionToken(): string {
  return randomBytes(16).toString('hex');
}

/**
 * Checks the request's session against the acting user: 401 UNAUTHENTICATED for a missing,
 * malformed, unknown or expired token (a malformed one never reaches Redis), 403 FORBIDDEN for
 * another user's valid token.
 */
export async function authenticate(app: FastifyInstance, request: FastifyRequest, actingUserId: string): Promise<void> {
  const token = parseBearerToken(request.headers.authorization);
  if (token === null) throw new ApiError('UNAUTHENTICATED', 'this request needs "Authorization: Bearer <session token>" (POST /sessions)');
  const sessionUserId = await request.timing.measure('redis', () => app.redis.get(sessionKey(token)));
  const decision = authDecision(sessionUserId, actingUserId);
  if (decision === 'unauthenticated') throw new ApiError('UNAUTHENTICATED', 'the session token is unknown or expired');
  if (decision === 'forbidden') throw new ApiError('FORBIDDEN', `the session does not belong to user ${actingUserId}`);
}
