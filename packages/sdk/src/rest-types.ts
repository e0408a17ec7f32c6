// The REST API's wire shapes (docs/api/rest.md), snake_case as the server sends them.

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

export type FinishReason = 'stop' | 'length' | 'interrupted' | 'error';
export type MessageStatus = 'complete' | 'interrupted' | 'error';

export interface Chat {
  id: string;
  user_id: string | null;
  title: string | null;
  metadata: Record<string, unknown>;
  created_at: string;
  updated_at: string;
}

export interface ChatMessage {
  id: string;
  chat_id: string;
  role: 'user' | 'assistant' | 'system';
  content: string;
  status: MessageStatus;
  model: string | null;
  usage: Usage | null;
  client_message_id: string | null;
  created_at: string;
  updated_at: string;
}

export interface Page {
  total: number;
  offset: number;
  limit: number;
  has_more: boolean;
}

export interface ChatList extends Page {
  chats: Chat[];
}

export interface MessageList extends Page {
  messages: ChatMessage[];
}

export interface PageOptions {
  offset?: number;
  /** 1..100 (default 50). */
  limit?: number;
  order?: 'asc' | 'desc';
}

export interface CreateChatInput {
  /** Required with an API key; with a JWT it is the token's user. */
  userId?: string;
  title?: string | null;
  metadata?: Record<string, unknown>;
}

export interface AiChatInput {
  content: string;
  /** `gpt`, `claude`, `llama`, a provider name, or `provider:model`. */
  provider?: string;
  /** Same forms as `provider`; wins over it. */
  model?: string;
  context?: Record<string, unknown>;
  metadata?: Record<string, unknown>;
  /** Continue a conversation (its history goes to the model). */
  conversationId?: string;
  /** With an API key: the user the new conversation is for. */
  userId?: string;
  system?: string;
  /**
   * Deduplicates resends within a conversation. The SDK makes one (a UUID) when you give none, so
   * a request continuing a conversation can be retried safely.
   */
  clientMessageId?: string;
}

export interface SendMessageInput {
  content: string;
  model?: string;
  system?: string;
  clientMessageId?: string;
}

export interface AiChatReply {
  message_id: string;
  conversation_id: string;
  content: string;
  role: 'assistant';
  timestamp: string;
  finish_reason: FinishReason;
  model: string;
  usage: Usage | null;
}

/** The Server-Sent Events of a streamed reply, as a typed union. */
export type AiChatStreamEvent =
  | {
      type: 'start';
      message_id: string;
      conversation_id: string;
      user_message_id: string;
      model: string;
    }
  | { type: 'delta'; message_id: string; content: string }
  | { type: 'sentence'; message_id: string; index: number; text: string }
  | { type: 'error'; message_id: string; error: { code: string; message: string } }
  | ({ type: 'end' } & AiChatReply);

export interface TokenInput {
  userId: string;
  ttlSeconds?: number;
}

export interface TokenReply {
  token: string;
  token_type: 'Bearer';
  expires_in: number;
  expires_at: string;
  user_id: string;
  tenant_id: string;
}

export interface VoiceEngineHealth {
  available: boolean;
  engine: string;
  reason?: string;
  /** The command that installs a missing local engine. */
  install?: string;
}

export interface HealthReply {
  status: 'healthy' | 'unhealthy';
  /** ai_service, audio_processor, audio_pipeline, storage. */
  services: Record<string, boolean>;
  active_connections: number;
  /** The speech engines behind doc 001's socket and the /voice routes. */
  voice?:
    | {
        speech_to_text: VoiceEngineHealth;
        text_to_speech: VoiceEngineHealth;
        voice_activity_detection: VoiceEngineHealth;
        /** Every engine a request may name, one by one. */
        providers: { speech_to_text: VoiceEngineHealth[]; text_to_speech: VoiceEngineHealth[] };
      }
    | { error: string };
}

/** `GET /v1/models`: the models a client may name, the default first. */
export interface ModelInfo {
  /** `provider:model`, as `model` in a request takes it. */
  id: string;
  object: 'model';
  created: number;
  owned_by: string;
}

export interface ModelList {
  object: 'list';
  data: ModelInfo[];
}

/** `POST /api/v1/voice/tts` (doc 002). */
export interface TextToSpeechInput {
  text: string;
  /** An engine by name (`local`, `elevenlabs`, `openai`); the configured chain when absent. */
  provider?: string;
  voiceId?: string;
  /** 1 is the engine's normal rate. */
  speed?: number;
  /** `mp3` unless set. */
  format?: 'mp3' | 'wav' | 'pcm';
}

export interface SpeechAudio {
  audio: Uint8Array;
  /** `audio/mpeg`, `audio/wav` or `audio/L16;rate=…;channels=1`. */
  contentType: string;
}

/** `POST /api/v1/voice/stt` (doc 002): the audio itself (sent as base64) or a URL the server fetches. */
export type SpeechToTextInput = ({ audio: Uint8Array } | { audioUrl: string }) & {
  provider?: string;
  language?: string;
  /** Tell speakers apart (engines that can: Deepgram). */
  diarization?: boolean;
  punctuate?: boolean;
  profanityFilter?: boolean;
};

export interface TranscriptReply {
  text: string;
  language: string;
  duration_s: number;
  words?: Array<{ word: string; start: number; end: number; confidence?: number; speaker?: number }>;
  /** The engine that answered. */
  provider: string;
}
