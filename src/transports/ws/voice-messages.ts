import { z } from 'zod';
import { AppError } from '../../core/errors.ts';

// Doc 001's client messages on `WS /ws`, validated at the edge: start_conversation, audio_chunk,
// end_conversation, and cai's text_input. Unknown fields are ignored (clients written for the
// document's backend may send more).

const schemas = {
  start_conversation: z.object({
    type: z.literal('start_conversation'),
    /** One ai_response per sentence rather than one per reply. */
    stream_sentences: z.boolean().optional(),
  }),
  audio_chunk: z.object({
    type: z.literal('audio_chunk'),
    audio_data: z.string().min(1, 'must be base64 audio'),
  }),
  text_input: z.object({
    type: z.literal('text_input'),
    text: z.string().refine((value) => value.trim() !== '', { message: 'must not be empty' }),
  }),
  end_conversation: z.object({ type: z.literal('end_conversation') }),
} as const;

export type VoiceMessageType = keyof typeof schemas;
export const VOICE_MESSAGE_TYPES = Object.keys(schemas) as VoiceMessageType[];

export type VoiceClientMessage = {
  [Type in VoiceMessageType]: z.infer<(typeof schemas)[Type]>;
}[VoiceMessageType];

/** One text frame → one typed message; throws the AppError to answer it with. */
export function parseVoiceFrame(text: string): VoiceClientMessage {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new AppError('INVALID_JSON', {
      message:
        'Invalid JSON format: send one JSON object per text frame, e.g. {"type":"start_conversation"}.',
    });
  }
  const type =
    typeof data === 'object' && data !== null && !Array.isArray(data)
      ? (data as Record<string, unknown>)['type']
      : undefined;
  if (typeof type !== 'string' || !(type in schemas)) {
    throw new AppError('UNKNOWN_TYPE', {
      message: `Unknown message type: ${typeof type === 'string' ? type : JSON.stringify(type ?? null)} (expected one of ${VOICE_MESSAGE_TYPES.join(', ')}).`,
    });
  }
  const parsed = schemas[type as VoiceMessageType].safeParse(data);
  if (parsed.success) return parsed.data as VoiceClientMessage;
  const problems = parsed.error.issues
    .map((issue) => `"${issue.path.map(String).join('.')}" ${issue.message}`)
    .join('; ');
  throw new AppError('VALIDATION_FAILED', { message: `Invalid ${type} message: ${problems}.` });
}
