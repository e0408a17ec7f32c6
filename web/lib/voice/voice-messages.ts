import { z } from 'zod';
import '../zod-setup.ts';

// Doc 001's voice socket (`WS /ws`, docs/voice.md "Voice session"): what the server sends, checked
// on arrival (anything else is ignored), and what the app sends.

const serverMessage = z.discriminatedUnion('type', [
  z.object({ type: z.literal('connection_established'), connection_id: z.string() }),
  z.object({ type: z.literal('conversation_started'), session_id: z.string() }),
  z.object({
    type: z.literal('transcript'),
    text: z.string(),
    is_final: z.boolean(),
    turn_detected: z.boolean().optional(),
  }),
  z.object({ type: z.literal('ai_response'), text: z.string(), audio_data: z.string().optional() }),
  z.object({ type: z.literal('conversation_ended') }),
  z.object({
    type: z.literal('error'),
    code: z.string().optional(),
    message: z.string(),
    retry_after_ms: z.number().optional(),
  }),
]);

export type VoiceServerMessage = z.infer<typeof serverMessage>;

export type VoiceClientMessage =
  | { type: 'start_conversation'; stream_sentences: boolean }
  | { type: 'audio_chunk'; audio_data: string }
  | { type: 'text_input'; text: string }
  | { type: 'end_conversation' };

/** The message in a text frame, or undefined for one the app does not know (or broken JSON). */
export function parseVoiceServerMessage(text: string): VoiceServerMessage | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  const result = serverMessage.safeParse(parsed);
  return result.success ? result.data : undefined;
}
