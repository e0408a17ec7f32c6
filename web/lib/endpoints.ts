// Where the app finds cai, from doc 001's frontend settings (inlined by Next at build time):
// NEXT_PUBLIC_API_URL, NEXT_PUBLIC_WS_URL, NEXT_PUBLIC_SAMPLE_RATE, NEXT_PUBLIC_DEBUG.

export interface FrontendSettings {
  apiUrl: string | undefined;
  wsUrl: string | undefined;
  sampleRate: string | undefined;
  debug: string | undefined;
  /** `next dev`: REST goes through the dev server's proxy (cai sends no CORS headers). */
  development: boolean;
}

export interface Endpoints {
  /** REST: `${httpBase}/api/v1/…`. */
  httpBase: string;
  /** Doc 000's chat socket, `ws(s)://host:port` (path `/`). */
  chatSocketUrl: string;
  /** Doc 001's voice socket, `ws(s)://host:port/ws`. */
  voiceSocketUrl: string;
  /** The rate the microphone is resampled to before it is sent. */
  sampleRate: number;
  debug: boolean;
}

export const DEFAULT_SAMPLE_RATE = 16_000;

/** Served by cai, the app talks to the cai that served it unless NEXT_PUBLIC_API_URL says otherwise. */
export function resolveEndpoints(settings: FrontendSettings, pageOrigin: string): Endpoints {
  const apiUrl = nonEmpty(settings.apiUrl)?.replace(/\/+$/, '') ?? pageOrigin;
  const socketOrigin = new URL(apiUrl);
  socketOrigin.protocol = socketOrigin.protocol === 'https:' ? 'wss:' : 'ws:';
  const chatSocketUrl = socketOrigin.origin;
  return {
    httpBase: settings.development ? pageOrigin : apiUrl,
    chatSocketUrl,
    voiceSocketUrl: nonEmpty(settings.wsUrl) ?? `${chatSocketUrl}/ws`,
    sampleRate: sampleRateOf(settings.sampleRate),
    // Doc 001 defaults to true; an export goes to users, so there it is off unless asked for.
    debug: booleanOf(settings.debug) ?? settings.development,
  };
}

/** The settings as Next inlined them (each name spelled out, or Next would not replace it). */
export function frontendSettings(): FrontendSettings {
  return {
    apiUrl: process.env.NEXT_PUBLIC_API_URL,
    wsUrl: process.env.NEXT_PUBLIC_WS_URL,
    sampleRate: process.env.NEXT_PUBLIC_SAMPLE_RATE,
    debug: process.env.NEXT_PUBLIC_DEBUG,
    development: process.env.NODE_ENV === 'development',
  };
}

function sampleRateOf(value: string | undefined): number {
  const rate = Number(nonEmpty(value) ?? DEFAULT_SAMPLE_RATE);
  // The server takes 8 to 48 kHz WAV; anything else falls back to doc 001's rate.
  return Number.isInteger(rate) && rate >= 8000 && rate <= 48_000 ? rate : DEFAULT_SAMPLE_RATE;
}

function booleanOf(value: string | undefined): boolean | undefined {
  const text = nonEmpty(value)?.toLowerCase();
  if (text === undefined) return undefined;
  return ['true', '1', 'yes', 'on'].includes(text);
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed === undefined || trimmed === '' ? undefined : trimmed;
}
