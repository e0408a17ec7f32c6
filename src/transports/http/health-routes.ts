import type { FastifyInstance } from 'fastify';
import type { HttpDependencies } from './http-dependencies.ts';

// Doc 001's `GET /` and `GET /health` (doc 000's load-balancer check is `GET /` too). /health
// answers 503 when storage is unreachable, so a balancer takes the process out of rotation.

const STORAGE_CHECK_TIMEOUT_MS = 2000;

export interface VoiceHealth {
  audio_processor: boolean;
  audio_pipeline: boolean;
}

export function registerHealthRoutes(
  server: FastifyInstance,
  dependencies: HttpDependencies & { voiceHealth?: () => VoiceHealth },
): void {
  server.get('/', async () => ({ message: 'Conversational AI Backend is running', status: 'healthy' }));

  server.get('/health', async (_request, reply) => {
    const storage = await storageReachable(dependencies);
    // Voice engines arrive with the voice pipeline; until then they are reported as not available.
    const voice = dependencies.voiceHealth?.() ?? { audio_processor: false, audio_pipeline: false };
    return reply.status(storage ? 200 : 503).send({
      status: storage ? 'healthy' : 'unhealthy',
      services: {
        ai_service: dependencies.models.list().length > 0,
        ...voice,
        storage,
      },
      active_connections: dependencies.activeConnections(),
    });
  });
}

async function storageReachable(dependencies: HttpDependencies): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      dependencies.store.ping(),
      new Promise((_resolve, reject) => {
        timer = setTimeout(() => reject(new Error('storage ping timed out')), STORAGE_CHECK_TIMEOUT_MS);
      }),
    ]);
    return true;
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}
