import { z } from 'zod';

// Doc 002's `POST /api/v1/voice/tts` body. Every field but `text` may be left out: the server's
// default engine (with its fallback), that engine's default voice, normal speed, and MP3 (the
// document's example format).

/** Longer texts belong in several requests; 5000 is also ElevenLabs' own limit for one request. */
export const TTS_MAX_CHARACTERS = 5000;

export const SPEECH_FORMATS = ['mp3', 'wav', 'pcm'] as const;
export type SpeechFormat = (typeof SPEECH_FORMATS)[number];

export const ttsRequestSchema = z
  .object({
    text: z
      .string()
      .max(TTS_MAX_CHARACTERS)
      .refine((text) => text.trim() !== '', { message: 'must hold something to say' }),
    provider: z.string().trim().min(1).max(64).optional(),
    voice_id: z.string().trim().min(1).max(64).optional(),
    // Accepted for doc 002's clients; every engine here speaks in one ("natural") style.
    style: z.string().trim().min(1).max(64).optional(),
    // 1 is the engine's normal rate; each engine fits the value into the range it can do.
    speed: z.number().min(0.25).max(4).optional(),
    format: z.string().trim().toLowerCase().pipe(z.enum(SPEECH_FORMATS)).default('mp3'),
  })
  .strict();

export type TtsRequest = z.infer<typeof ttsRequestSchema>;
