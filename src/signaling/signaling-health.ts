import type { Bus } from '../bus/bus.ts';

// Doc 002's signaling health (`GET` and `WS /api/v1/webrtc/health`): healthy while the bus can
// serve calls. In embedded mode the bus is this process's memory, so it is always healthy; in
// distributed mode an unreachable Redis means relays to other processes fail, so it is not.

export interface SignalingHealth {
  status: 'healthy' | 'unhealthy';
  timestamp: string;
  /** `memory` (embedded mode) or `redis` (distributed mode). */
  bus: Bus['kind'];
  /** Why, when unhealthy. */
  error?: string;
}

export async function signalingHealth(bus: Bus): Promise<SignalingHealth> {
  try {
    // Fails fast (BusUnavailableError) when Redis is unreachable or slow: src/bus/redis-connection.ts.
    await bus.ping();
    return { status: 'healthy', timestamp: new Date().toISOString(), bus: bus.kind };
  } catch (error) {
    return {
      status: 'unhealthy',
      timestamp: new Date().toISOString(),
      bus: bus.kind,
      error: error instanceof Error ? error.message : 'The bus is unreachable.',
    };
  }
}
