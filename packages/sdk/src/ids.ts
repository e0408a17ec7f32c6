// Ids the client makes (request ids, client message ids): random UUIDs from Web Crypto, which
// browsers and Node 20 both have as a global.

export function newId(): string {
  return globalThis.crypto.randomUUID();
}
