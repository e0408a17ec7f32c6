import { pino } from 'pino';
import { RedisBus } from '../redis-bus.ts';

// A separate process for redis-bus.process.test.ts: it joins a presence group and takes connection
// leases on Redis, says so on stdout, then idles until it is killed (kill -9 runs no cleanup).

const { HOLDER_REDIS_URL, HOLDER_KEY_PREFIX, HOLDER_TTL_MS } = process.env;
if (HOLDER_REDIS_URL === undefined || HOLDER_KEY_PREFIX === undefined || HOLDER_TTL_MS === undefined) {
  throw new Error('HOLDER_REDIS_URL, HOLDER_KEY_PREFIX and HOLDER_TTL_MS are required');
}

const bus = new RedisBus({
  url: HOLDER_REDIS_URL,
  logger: pino({ level: 'silent' }),
  keyPrefix: HOLDER_KEY_PREFIX,
  ttlMs: Number(HOLDER_TTL_MS),
});

await bus.presence.set('company-crash', 'peer-1', { process: process.pid });
await bus.presence.set('company-crash', 'peer-2', { process: process.pid });
for (let index = 0; index < 3; index += 1) {
  if ((await bus.connections.acquire('tenant:crash', 3)) === undefined) throw new Error('lease refused');
}
process.stdout.write(`${JSON.stringify({ ready: true, pid: process.pid })}\n`);
// The bus's heartbeat timer does not hold the process open; this does.
setInterval(() => undefined, 60_000);
