// What the fallback chains (fallback-speech-to-text.ts, fallback-text-to-speech.ts) share: when a
// failure may be handed to the next engine, and how the chain reports its availability.
import { toAppError } from '../core/errors.ts';
import type { AppError } from '../core/errors.ts';
import type { ChecksAvailability, EngineAvailability } from './engine-availability.ts';

export interface FallbackEvent {
  /** The engine that failed. */
  from: string;
  /** The engine tried next. */
  to: string;
  error: AppError;
}

export interface FallbackOptions<Engine> {
  /** In order of preference: the configured cloud engine first, the local engine last. */
  engines: ReadonlyArray<Engine & ChecksAvailability>;
  /** Told about each hand-over, for the logs. */
  onFallback?: (event: FallbackEvent) => void;
}

/**
 * Whether the next engine may try: the failure is one the registry calls retryable (an outage, a
 * rate limit, a timeout, a refused server key, a missing local engine), and the caller has not
 * gone away. A refusal of the request itself (a bad voice name, an unsupported language) is not.
 */
export function canFallBack(error: unknown, signal: AbortSignal): boolean {
  return !signal.aborted && toAppError(error).retryable;
}

/** `deepgram (fallback: pocketsphinx)`: the name a chain reports in /health and in errors. */
export function chainName(engines: ReadonlyArray<{ name: string }>): string {
  const [first, ...rest] = engines.map((engine) => engine.name);
  return rest.length === 0 ? (first ?? 'none') : `${first} (fallback: ${rest.join(', ')})`;
}

/** Available when any engine is; when none is, every reason and the first install command. */
export async function chainAvailability(
  name: string,
  engines: ReadonlyArray<ChecksAvailability>,
): Promise<EngineAvailability> {
  const each = await Promise.all(engines.map((engine) => engine.availability()));
  if (each.some((availability) => availability.available)) return { available: true, engine: name };
  const install = each.find((availability) => availability.install !== undefined)?.install;
  return {
    available: false,
    engine: name,
    reason: each
      .map((availability) => `${availability.engine}: ${availability.reason ?? 'unavailable'}`)
      .join('; '),
    ...(install !== undefined && { install }),
  };
}
