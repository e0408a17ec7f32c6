import { z } from 'zod';

// Doc 002's `POST /api/v1/voice/stt` as JSON (`audio_url` or base64 `audio`), and the query
// parameters that carry the same options when the body is the audio itself.

// BCP 47-shaped: `en`, `en-US`, `zh-Hant-TW`. The engine decides whether it speaks it.
const language = z
  .string()
  .trim()
  .regex(/^[A-Za-z]{2,3}([-_][A-Za-z0-9]{1,8})*$/, {
    message: 'expected a language tag such as en or en-US',
  });

const provider = z.string().trim().min(1).max(64);

// A data URL prefix is allowed (what a browser's FileReader gives), and the URL-safe alphabet.
const DATA_URL_PREFIX = /^data:[\w.+-]+\/[\w.+-]+(;[\w.+-]+=[\w.+-]+)*;base64,/i;
const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

const base64Audio = z.string().transform((text, context) => {
  const compact = text.replace(DATA_URL_PREFIX, '').replace(/\s+/g, '');
  if (compact === '' || !BASE64.test(compact) || compact.replace(/=+$/, '').length % 4 === 1) {
    context.addIssue({ code: 'custom', message: 'expected base64-encoded audio' });
    return z.NEVER;
  }
  // Node's base64 decoder reads the URL-safe alphabet too.
  return new Uint8Array(Buffer.from(compact, 'base64'));
});

export const sttJsonRequestSchema = z
  .object({
    audio_url: z.string().trim().min(1).max(4096).optional(),
    audio: base64Audio.optional(),
    provider: provider.optional(),
    language: language.optional(),
    // Applied by engines that can (Deepgram); the local engine hears one speaker (docs/voice.md).
    diarization: z.boolean().optional(),
    config: z
      .object({ punctuate: z.boolean().optional(), profanity_filter: z.boolean().optional() })
      .strict()
      .optional(),
  })
  .strict()
  .superRefine((body, context) => {
    if (body.audio_url === undefined && body.audio === undefined) {
      context.addIssue({
        code: 'custom',
        path: ['audio'],
        message: 'send audio_url, base64 audio, or the audio itself as the body',
      });
    }
    if (body.audio_url !== undefined && body.audio !== undefined) {
      context.addIssue({ code: 'custom', path: ['audio_url'], message: 'send audio_url or audio, not both' });
    }
  });

export type SttJsonRequest = z.infer<typeof sttJsonRequestSchema>;

/** With a raw audio body; other query parameters (credentials) are left to their readers. */
const queryFlag = z.enum(['true', 'false']).transform((value) => value === 'true');

export const sttQuerySchema = z.object({
  provider: provider.optional(),
  language: language.optional(),
  diarization: queryFlag.optional(),
  punctuate: queryFlag.optional(),
  profanity_filter: queryFlag.optional(),
});
