// ALLOWED_ORIGINS: when set, a browser page from any other origin may not open a socket (a
// cross-site page would otherwise ride on the user's credentials). A request with no Origin header
// does not come from a browser page, and is let through: its credential is checked as usual.

export function isOriginAllowed(origin: string | undefined, allowedOrigins: readonly string[]): boolean {
  if (allowedOrigins.length === 0 || origin === undefined) return true;
  const presented = normalize(origin);
  return allowedOrigins.some((allowed) => allowed === '*' || normalize(allowed) === presented);
}

function normalize(origin: string): string {
  return origin.trim().toLowerCase().replace(/\/+$/u, '');
}
