import type { AppError } from '../core/errors.ts';
import type { AudioError } from './audio/audio-error.ts';

// What a voice session tells its transport. The voice protocol (src/transports/ws/voice-*.ts)
// translates these into doc 001's messages: transcript, ai_response, error.

/** Where a failure happened: the transport words audio failures as the document does. */
export type VoiceFailureStage = 'audio' | 'speech-to-text' | 'reply' | 'text-to-speech';

export type VoiceSessionEvent =
  | {
      type: 'transcript';
      text: string;
      /** false for an interim hypothesis (only engines that stream give those). */
      isFinal: boolean;
      /** The detector heard the user stop: a reply follows unless they go on speaking. */
      turnDetected: boolean;
    }
  | {
      type: 'response';
      /** The sentence (stream_sentences) or the whole reply. */
      text: string;
      /** 16 kHz mono 16-bit WAV. */
      audio: Uint8Array;
    }
  | { type: 'error'; stage: VoiceFailureStage; error: AppError | AudioError };

export type EmitVoiceEvent = (event: VoiceSessionEvent) => void;
