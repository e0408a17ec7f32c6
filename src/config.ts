import { existsSync, readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { z } from 'zod';
import { DEFAULT_ICE_SERVERS, iceServersSetting } from './signaling/ice-servers.ts';

// Environment (and `.env`) → typed, validated settings. The documents' names are kept
// (PORT, HOST, DEBUG, LOG_LEVEL, SAMPLE_RATE, CHUNK_SIZE, CEREBRAS_API_KEY); docs/configuration.md
// lists every variable.

const booleanText = z
  .string()
  .trim()
  .toLowerCase()
  .refine((value) => ['true', 'false', '1', '0', 'yes', 'no', 'on', 'off', ''].includes(value), {
    message: 'expected true or false',
  })
  .transform((value) => ['true', '1', 'yes', 'on'].includes(value));

const integer = (minimum: number, maximum = Number.MAX_SAFE_INTEGER) =>
  z.coerce
    .number({ message: 'expected a whole number' })
    .int({ message: 'expected a whole number' })
    .min(minimum, { message: `expected at least ${minimum}` })
    .max(maximum, { message: `expected at most ${maximum}` });

const optionalText = z
  .string()
  .trim()
  .transform((value) => (value === '' ? undefined : value))
  .optional();

const optionalUrl = z
  .string()
  .trim()
  .transform((value) => (value === '' ? undefined : value))
  .pipe(z.url({ message: 'expected a URL such as http://127.0.0.1:11434/v1' }).optional())
  .optional();

const databaseUrl = z
  .string()
  .trim()
  .refine((value) => value.startsWith('sqlite:') || /^postgres(ql)?:\/\//.test(value), {
    message: 'expected sqlite:PATH or postgres://USER@HOST:PORT/DATABASE',
  });

const logLevel = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.enum(['fatal', 'error', 'warn', 'warning', 'info', 'debug', 'trace', 'silent']))
  .transform((value) => (value === 'warning' ? 'warn' : value));

const limit = (fallback: number) => integer(0).default(fallback);

const schema = z.object({
  PORT: integer(0, 65535).default(8000),
  HOST: z.string().trim().min(1).default('0.0.0.0'),
  DEBUG: booleanText.default(false),
  LOG_LEVEL: logLevel.default('info'),
  SAMPLE_RATE: integer(8000, 48000).default(16000),
  CHUNK_SIZE: integer(64, 65536).default(1024),
  DATABASE_URL: databaseUrl.default('sqlite:./data/cai.db'),
  REDIS_URL: optionalText,
  /** Every Redis key and channel cai uses starts with this, so one Redis can serve several deployments. */
  REDIS_KEY_PREFIX: z.string().trim().min(1).default('cai:'),
  /** How long a dead process's signaling peers and connection leases outlive it (heartbeat: a third). */
  BUS_TTL_MS: integer(300, 3_600_000).default(15_000),
  DATA_DIR: z.string().trim().min(1).default('./data'),

  JWT_SECRET: optionalText.pipe(
    z.string().min(32, { message: 'expected at least 32 characters' }).optional(),
  ),
  JWT_ISSUER: z.string().trim().min(1).default('cai'),
  JWT_AUDIENCE: z.string().trim().min(1).default('cai'),
  JWT_DEFAULT_TTL_SECONDS: integer(1).default(3600),
  ADMIN_API_KEY: optionalText.pipe(
    z.string().min(16, { message: 'expected at least 16 characters' }).optional(),
  ),
  ALLOW_ANONYMOUS: booleanText.default(false),
  TRUST_PROXY: booleanText.default(false),

  OPENAI_API_KEY: optionalText,
  OPENAI_BASE_URL: optionalUrl,
  ANTHROPIC_API_KEY: optionalText,
  ANTHROPIC_BASE_URL: optionalUrl,
  CEREBRAS_API_KEY: optionalText,
  CEREBRAS_BASE_URL: optionalUrl,
  GROQ_API_KEY: optionalText,
  GROQ_BASE_URL: optionalUrl,
  OLLAMA_API_KEY: optionalText,
  OLLAMA_BASE_URL: optionalUrl,
  /**
   * Which client speaks the Chat Completions wire (OpenAI, Cerebras, Groq, Ollama): cai's own on
   * node:http (`direct`), or the AI SDK providers (`ai-sdk`), kept as an escape hatch.
   */
  CHAT_COMPLETIONS_CLIENT: z
    .string()
    .trim()
    .toLowerCase()
    .pipe(z.enum(['direct', 'ai-sdk'], { message: 'expected direct or ai-sdk' }))
    .default('direct'),
  DEFAULT_MODEL: optionalText,
  FALLBACK_MODELS: z
    .string()
    .default('')
    .transform((value) =>
      value
        .split(',')
        .map((name) => name.trim())
        .filter(Boolean),
    ),
  MODEL_ALIAS_GPT: z.string().trim().min(1).default('openai:gpt-4o-mini'),
  MODEL_ALIAS_CLAUDE: z.string().trim().min(1).default('anthropic:claude-3-5-haiku-latest'),
  MODEL_ALIAS_LLAMA: z.string().trim().min(1).default('cerebras:llama3.1-8b'),
  MODEL_MAX_RETRIES: integer(0, 10).default(2),
  MODEL_RETRY_BASE_DELAY_MS: integer(0).default(250),
  MODEL_RETRY_MAX_DELAY_MS: integer(0).default(10_000),
  MODEL_CHUNK_TIMEOUT_MS: integer(1).default(30_000),
  MODEL_REPLY_TIMEOUT_MS: integer(1).default(120_000),
  MODEL_MAX_OUTPUT_TOKENS: integer(1).default(1024),
  OFFLINE_MODEL_TOKEN_DELAY_MS: integer(0, 10_000).default(10),

  HISTORY_MAX_MESSAGES: integer(0, 10_000).default(50),
  HISTORY_MAX_CHARACTERS: integer(0).default(32_000),
  MAX_PROMPT_CHARACTERS: integer(1).default(32_000),
  BODY_LIMIT_BYTES: integer(1024).default(1_048_576),
  SHUTDOWN_DRAIN_MS: integer(0).default(10_000),

  ALLOWED_ORIGINS: z
    .string()
    .default('')
    .transform((value) =>
      value
        .split(',')
        .map((origin) => origin.trim())
        .filter(Boolean),
    ),
  WS_MAX_MESSAGE_BYTES: integer(1024).default(65_536),
  WS_MAX_BUFFERED_BYTES: integer(1024).default(1_048_576),
  WS_HEARTBEAT_MS: integer(100).default(30_000),
  WS_IDLE_TIMEOUT_MS: integer(0).default(300_000),
  RESUME_GRACE_MS: integer(0).default(30_000),
  REVOCATION_CHECK_MS: integer(100).default(5_000),

  LIMIT_REST_PER_MINUTE: limit(100),
  LIMIT_WS_MESSAGES_PER_SECOND: limit(10),
  LIMIT_CONNECTIONS_PER_TENANT: limit(50),
  LIMIT_SIGNALING_PER_COMPANY: limit(100),
  LIMIT_ANON_CONNECTIONS_PER_IP: limit(10),
  LIMIT_ANON_REQUESTS_PER_MINUTE: limit(100),
  LIMIT_AI_REQUESTS_PER_WEEK: limit(100),
  // Doc 001 streams audio: 1024-sample chunks are ~16 a second, 20 ms chunks 50, with bursts.
  LIMIT_VOICE_MESSAGES_PER_SECOND: limit(100),
  // Doc 002's signaling: a peer trickles its ICE candidates in a burst as it gathers them.
  LIMIT_SIGNALING_MESSAGES_PER_SECOND: limit(50),

  // WebRTC signaling (doc 002, docs/api/webrtc-signaling.md).
  ICE_SERVERS: iceServersSetting.default(DEFAULT_ICE_SERVERS),
  SIGNALING_IDLE_TIMEOUT_MS: integer(0).default(300_000),

  // Voice (docs/voice.md). `local` engines are Debian's espeak-ng and pocketsphinx; a cloud
  // provider needs its <NAME>_API_KEY. `auto` takes the first cloud provider with a key, else local.
  VOICE_STT_PROVIDER: z.enum(['auto', 'local', 'deepgram', 'openai']).default('auto'),
  VOICE_TTS_PROVIDER: z.enum(['auto', 'local', 'elevenlabs', 'openai']).default('auto'),
  VOICE_MAX_AUDIO_BYTES: integer(1024).default(10 * 1024 * 1024),
  VOICE_MAX_AUDIO_SECONDS: integer(1, 3600).default(120),
  VOICE_MP3_KBPS: z.coerce
    .number()
    .refine((value) => [32, 48, 64, 96, 128].includes(value), {
      message: 'expected one of 32, 48, 64, 96, 128',
    })
    .default(64),
  VOICE_WS_MAX_MESSAGE_BYTES: integer(1024).default(1_048_576),
  VAD_SILENCE_MS: integer(100, 10_000).default(600),
  VAD_POSITIVE_THRESHOLD: z.coerce.number().gt(0).lt(1).default(0.5),
  VAD_NEGATIVE_THRESHOLD: z.coerce.number().gt(0).lt(1).default(0.35),
  ESPEAK_BINARY: z.string().trim().min(1).default('espeak-ng'),
  ESPEAK_VOICE: z.string().trim().min(1).default('en-us'),
  ESPEAK_TIMEOUT_MS: integer(100).default(30_000),
  POCKETSPHINX_BINARY: z.string().trim().min(1).default('pocketsphinx_continuous'),
  POCKETSPHINX_MODEL_DIR: optionalText,
  POCKETSPHINX_TIMEOUT_MS: integer(100).default(60_000),
  DEEPGRAM_API_KEY: optionalText,
  DEEPGRAM_BASE_URL: optionalUrl,
  DEEPGRAM_MODEL: z.string().trim().min(1).default('nova-3'),
  ELEVENLABS_API_KEY: optionalText,
  ELEVENLABS_BASE_URL: optionalUrl,
  ELEVENLABS_MODEL: z.string().trim().min(1).default('eleven_flash_v2_5'),
  ELEVENLABS_VOICE_ID: optionalText,
  OPENAI_STT_MODEL: z.string().trim().min(1).default('whisper-1'),
  OPENAI_TTS_MODEL: z.string().trim().min(1).default('tts-1'),
  OPENAI_TTS_VOICE: z.string().trim().min(1).default('alloy'),
  AUDIO_URL_ALLOWED_HOSTS: z
    .string()
    .default('')
    .transform((value) =>
      value
        .split(',')
        .map((host) => host.trim().toLowerCase())
        .filter(Boolean),
    ),
  AUDIO_URL_MAX_BYTES: integer(1024).default(10 * 1024 * 1024),
  AUDIO_URL_TIMEOUT_MS: integer(100).default(10_000),
});

export type Config = z.infer<typeof schema>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Reads `.env` (if present) under the real environment, which wins. */
export function readEnvironment(
  environment: NodeJS.ProcessEnv = process.env,
  envFile = '.env',
): Record<string, string | undefined> {
  const fromFile = existsSync(envFile) ? parseEnv(readFileSync(envFile, 'utf8')) : {};
  return { ...fromFile, ...environment };
}

export function loadConfig(environment: Record<string, string | undefined> = readEnvironment()): Config {
  const known = Object.fromEntries(
    Object.keys(schema.shape).map((name) => [
      name,
      environment[name] === undefined ? undefined : environment[name],
    ]),
  );
  const result = schema.safeParse(known);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? 'configuration');
      const given = environment[name];
      return `${name}: ${issue.message}${given === undefined ? '' : ` (got ${JSON.stringify(secretSafe(name, given))})`}`;
    });
    throw new ConfigError(problems);
  }
  return result.data;
}

function secretSafe(name: string, value: string): string {
  // ICE_SERVERS may hold TURN credentials.
  return /KEY|SECRET|TOKEN|PASSWORD|ICE_SERVERS/.test(name) ? '…' : value;
}
