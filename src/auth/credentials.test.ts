import { describe, expect, it } from 'vitest';
import { generateApiKey } from './api-keys.ts';
import { kindOf, readCredential } from './credentials.ts';

const apiKey = generateApiKey().key;
const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1In0.c2lnbmF0dXJl';

describe('reading a credential', () => {
  it('takes Authorization: Bearer, for a key or a JWT', () => {
    expect(readCredential({ headers: { authorization: `Bearer ${apiKey}` } })).toEqual({
      kind: 'api-key',
      value: apiKey,
      source: 'authorization-header',
    });
    expect(readCredential({ headers: { authorization: `bearer ${jwt}` } })).toEqual({
      kind: 'jwt',
      value: jwt,
      source: 'authorization-header',
    });
  });

  it('takes X-API-Key, whatever the header name case', () => {
    expect(readCredential({ headers: { 'x-api-key': apiKey } })).toMatchObject({
      kind: 'api-key',
      source: 'x-api-key-header',
    });
    expect(readCredential({ headers: { 'X-API-Key': apiKey } })).toMatchObject({ value: apiKey });
  });

  it('takes ?authorization=Bearer%20… as doc 000 sends it, decoded or not yet', () => {
    const query = new URLSearchParams(`authorization=Bearer%20${apiKey}&orgId=org-1`);
    expect(readCredential({ headers: {}, query })).toEqual({
      kind: 'api-key',
      value: apiKey,
      source: 'authorization-query',
    });
    expect(readCredential({ headers: {}, query: { authorization: `Bearer ${jwt}` } })).toMatchObject({
      kind: 'jwt',
      value: jwt,
    });
    // Doc 000 also allows the bare key.
    expect(readCredential({ headers: {}, query: { authorization: apiKey } })).toMatchObject({
      value: apiKey,
    });
  });

  it('takes ?api_key= (doc 004) and ?token= (doc 003 browsers)', () => {
    expect(readCredential({ headers: {}, query: { api_key: apiKey, user_id: 'u' } })).toEqual({
      kind: 'api-key',
      value: apiKey,
      source: 'api-key-query',
    });
    expect(readCredential({ headers: {}, query: { token: jwt } })).toEqual({
      kind: 'jwt',
      value: jwt,
      source: 'token-query',
    });
  });

  it("takes the signaling path's company_api_key (doc 002)", () => {
    expect(readCredential({ headers: {}, params: { peer_id: 'p1', company_api_key: apiKey } })).toEqual({
      kind: 'api-key',
      value: apiKey,
      source: 'path',
    });
  });

  it('prefers headers to the path, and the path to the query string', () => {
    const other = generateApiKey().key;
    expect(
      readCredential({
        headers: { authorization: `Bearer ${jwt}`, 'x-api-key': apiKey },
        query: { api_key: other },
      }),
    ).toMatchObject({ value: jwt });
    expect(
      readCredential({ headers: {}, params: { company_api_key: apiKey }, query: { token: jwt } }),
    ).toMatchObject({
      value: apiKey,
    });
  });

  it('answers undefined when there is none, or only an empty or non-bearer one', () => {
    expect(readCredential({ headers: {} })).toBeUndefined();
    expect(readCredential({ headers: { authorization: 'Bearer ' }, query: { token: '' } })).toBeUndefined();
    expect(readCredential({ headers: { authorization: 'Basic dXNlcjpwYXNz' } })).toBeUndefined();
    expect(readCredential({ headers: { host: 'localhost' }, query: { orgId: 'org-1' } })).toBeUndefined();
  });

  it('tells a key from a JWT by shape, and tries anything else as a key (which then fails)', () => {
    expect(kindOf(apiKey)).toBe('api-key');
    expect(kindOf(jwt)).toBe('jwt');
    expect(kindOf('eyJhbGciOiJub25lIn0.eyJzdWIiOiJ1In0.')).toBe('jwt');
    expect(kindOf('some-other-vendor-key')).toBe('api-key');
  });
});
