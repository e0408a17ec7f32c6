import { pino, type Logger } from 'pino';

// JSON lines that never contain a key or token: credential headers are redacted by path, and
// every URL is passed through redactUrl before it is logged (query strings and the signaling
// path carry keys).

const SECRET_QUERY_PARAMETERS = new Set([
  'authorization',
  'api_key',
  'apikey',
  'token',
  'key',
  'access_token',
]);
// cai keys (`cai_<prefix>_<secret>`) and JWTs (three base64url segments starting with `eyJ`).
const SECRET_PATTERN = /cai_[A-Za-z0-9_-]{8,}|eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g;

// Doc 002 puts the company's key in the path of these, whatever the key looks like (a mistyped key
// is still most of a key).
const KEY_IN_PATH = /^(\/api\/v1\/webrtc\/(?:signal\/.*\/|peers\/))[^/]+/;

export function redactUrl(url: string): string {
  const queryStart = url.indexOf('?');
  const path = (queryStart === -1 ? url : url.slice(0, queryStart))
    .replace(SECRET_PATTERN, '[redacted]')
    .replace(KEY_IN_PATH, '$1[redacted]');
  if (queryStart === -1) return path;
  const parameters = new URLSearchParams(url.slice(queryStart + 1));
  for (const name of [...parameters.keys()]) {
    if (SECRET_QUERY_PARAMETERS.has(name.toLowerCase())) parameters.set(name, '[redacted]');
  }
  const query = parameters
    .toString()
    .replace(SECRET_PATTERN, '[redacted]')
    .replaceAll('%5Bredacted%5D', '[redacted]');
  return `${path}?${query}`;
}

export function createLogger(options: { level: string; destination?: pino.DestinationStream }): Logger {
  return pino(
    {
      level: options.level,
      base: { service: 'cai' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: {
        paths: [
          'req.headers.authorization',
          'req.headers["x-api-key"]',
          'req.headers.cookie',
          'headers.authorization',
          'headers["x-api-key"]',
          'apiKey',
          'api_key',
          'token',
        ],
        censor: '[redacted]',
      },
      serializers: {
        req: (request: { method?: string; url?: string; ip?: string; id?: string }) => ({
          id: request.id,
          method: request.method,
          url: request.url === undefined ? undefined : redactUrl(request.url),
          remoteAddress: request.ip,
        }),
        res: (reply: { statusCode?: number }) => ({ statusCode: reply.statusCode }),
        err: pino.stdSerializers.err,
      },
    },
    options.destination,
  );
}

export type { Logger };
