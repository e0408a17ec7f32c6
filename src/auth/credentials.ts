import { looksLikeApiKey } from './api-keys.ts';

// The one place that knows where a credential may travel (DESIGN.md, "One model underneath"):
// `Authorization: Bearer`, `X-API-Key`, the signaling path's `company_api_key`, and, for clients
// that cannot set headers (browsers' WebSocket), `?authorization=Bearer%20…` (doc 000),
// `?api_key=` (doc 004) and `?token=` (doc 003). What it is comes from its shape, not from where
// it was found.

export type CredentialKind = 'api-key' | 'jwt';

export type CredentialSource =
  | 'authorization-header'
  | 'x-api-key-header'
  | 'path'
  | 'authorization-query'
  | 'api-key-query'
  | 'token-query';

export interface Credential {
  kind: CredentialKind;
  value: string;
  source: CredentialSource;
}

type HeaderValue = string | string[] | undefined;

export interface RequestLike {
  headers: Record<string, HeaderValue>;
  query?: Record<string, unknown> | URLSearchParams | undefined;
  params?: Record<string, unknown> | undefined;
}

const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/** The first credential found, in order of preference; undefined when the request carries none. */
export function readCredential(request: RequestLike): Credential | undefined {
  // Each place is read only when the ones before it held nothing (`??`): nearly every request
  // carries its credential in the first, and this runs on every request.
  return (
    credentialFrom('authorization-header', bearerValue(header(request.headers, 'authorization'))) ??
    credentialFrom('x-api-key-header', header(request.headers, 'x-api-key')) ??
    credentialFrom('path', text(request.params?.['company_api_key'])) ??
    credentialFrom('authorization-query', bearerValue(queryValue(request.query, 'authorization'))) ??
    credentialFrom('api-key-query', queryValue(request.query, 'api_key')) ??
    credentialFrom('token-query', queryValue(request.query, 'token'))
  );
}

function credentialFrom(source: CredentialSource, candidate: string | undefined): Credential | undefined {
  const value = candidate?.trim();
  return value ? { kind: kindOf(value), value, source } : undefined;
}

/** A well-formed cai key is a key; three dot-separated segments are a JWT; anything else is tried as a key and fails. */
export function kindOf(value: string): CredentialKind {
  if (looksLikeApiKey(value)) return 'api-key';
  return JWT_SHAPE.test(value) ? 'jwt' : 'api-key';
}

/** `Bearer x` → `x`; a bare value without a scheme is taken as is (doc 000: "Bearer token or API key"). */
function bearerValue(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  const match = /^bearer(?:\s+(.*))?$/i.exec(trimmed);
  if (match) return match[1];
  return /\s/.test(trimmed) ? undefined : trimmed;
}

function header(headers: Record<string, HeaderValue>, name: string): string | undefined {
  // Node lower-cases header names; a hand-built request may not have.
  const actualName = name in headers ? name : Object.keys(headers).find((key) => key.toLowerCase() === name);
  const value = actualName === undefined ? undefined : headers[actualName];
  return Array.isArray(value) ? value[0] : value;
}

function queryValue(query: RequestLike['query'], name: string): string | undefined {
  if (query === undefined) return undefined;
  if (query instanceof URLSearchParams) return query.get(name) ?? undefined;
  return text(query[name]);
}

function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && typeof value[0] === 'string') return value[0];
  return undefined;
}
