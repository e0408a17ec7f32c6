// OpenAI text to speech (`POST /v1/audio/speech`) through the AI SDK, asked for `response_format:
// "pcm"`: raw signed 16-bit little-endian mono at 24 kHz, so nothing needs an MP3 decoder.
import { createOpenAI } from '@ai-sdk/openai';
import { openAiErrorBodySchema } from './cloud-openai-speech-to-text.ts';
import { CloudTextToSpeech } from './cloud-text-to-speech.ts';

export const OPENAI_DEFAULT_SPEECH_MODEL = 'tts-1';
export const OPENAI_DEFAULT_VOICE = 'alloy';
/** OpenAI's `pcm` is always 24 kHz. */
export const OPENAI_PCM_SAMPLE_RATE = 24_000;
const SPEED_RANGE = { min: 0.25, max: 4 };

export interface OpenAiTextToSpeechOptions {
  apiKey: string;
  /** As `OPENAI_BASE_URL`: `https://api.openai.com/v1` by default. */
  baseUrl?: string;
  model?: string;
  defaultVoice?: string;
  timeoutMs?: number;
  /** Samples per yielded chunk; a quarter of a second by default. */
  chunkSamples?: number;
}

export class OpenAiTextToSpeech extends CloudTextToSpeech {
  constructor(options: OpenAiTextToSpeechOptions) {
    const provider = createOpenAI({
      apiKey: options.apiKey,
      ...(options.baseUrl !== undefined && { baseURL: options.baseUrl }),
    });
    super({
      name: 'openai',
      displayName: 'OpenAI',
      apiKeySetting: 'OPENAI_API_KEY',
      model: provider.speech(options.model ?? OPENAI_DEFAULT_SPEECH_MODEL),
      defaultVoice: options.defaultVoice ?? OPENAI_DEFAULT_VOICE,
      outputFormat: 'pcm',
      sampleRate: OPENAI_PCM_SAMPLE_RATE,
      speedRange: SPEED_RANGE,
      timeoutMs: options.timeoutMs ?? 30_000,
      chunkSamples: options.chunkSamples ?? OPENAI_PCM_SAMPLE_RATE / 4,
      describeErrorBody: (body) => openAiErrorBodySchema.safeParse(body).data?.error.message,
    });
  }
}
