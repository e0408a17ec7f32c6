import type { FastifyInstance } from 'fastify';
import type { VoiceHealth } from '../../voice/voice-engines.ts';
import type { HttpDependencies } from './http-dependencies.ts';

// Doc 001's `GET /` and `GET /health` (doc 000's load-balancer check is `GET /` too). /health
// answers 503 when storage is unreachable, so a balancer takes the process out of rotation. A
// missing voice engine only shows as `audio_processor` / `audio_pipeline` false: text chat still
// works, so the process stays in rotation.

const STORAGE_CHECK_TIMEOUT_MS = 2000;
/** Voice probes are cached (VoiceEngines); only the first after a quiet spell spawns processes. */
const VOICE_CHECK_TIMEOUT_MS = 2000;

export function registerHealthRoutes(server: FastifyInstance, dependencies: HttpDependencies): void {
  server.get('/', async () => ({ message: 'Conversational AI Backend is running', status: 'healthy' }));

  server.get('/health', async (_request, reply) => {
    const [storage, voice] = await Promise.all([storageReachable(dependencies), voiceHealth(dependencies)]);
    return reply.status(storage ? 200 : 503).send({
      status: storage ? 'healthy' : 'unhealthy',
      services: {
        ai_service: dependencies.models.list().length > 0,
        audio_processor: voice?.audio_processor ?? false,
        audio_pipeline: voice?.audio_pipeline ?? false,
        storage,
      },
      active_connections: dependencies.activeConnections(),
      // Beside doc 001's fields: which engine does what, and what to install when one is missing.
      voice:
        voice === undefined
          ? { error: `The voice engines did not answer within ${VOICE_CHECK_TIMEOUT_MS} ms.` }
          : { ...voice.engines, providers: voice.providers },
    });
  });
}

/** undefined when the probes took too long; /health must answer a balancer promptly. */
async function voiceHealth(dependencies: HttpDependencies): Promise<VoiceHealth | undefined> {
  return withTimeout(dependencies.voice.health(), VOICE_CHECK_TIMEOUT_MS).catch(() => undefined);
}

async function storageReachable(dependencies: HttpDependencies): Promise<boolean> {
  try {
    await withTimeout(dependencies.store.ping(), STORAGE_CHECK_TIMEOUT_MS);
    return true;
  } catch {
    return false;
  }
}

async function withTimeout<T>(promise: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
