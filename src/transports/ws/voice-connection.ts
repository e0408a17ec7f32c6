import type { Principal } from '../../auth/authenticator.ts';
import { scopeOf } from '../../auth/authenticator.ts';
import type { LiveTurn } from '../../core/conversation-engine.ts';
import type { Scope } from '../../core/domain.ts';
import { AppError, toAppError } from '../../core/errors.ts';
import { uuidv7 } from '../../core/ids.ts';
import { isAudioError, type AudioError } from '../../voice/audio/audio-error.ts';
import { VoiceSession } from '../../voice/voice-session.ts';
import type { VoiceFailureStage, VoiceSessionEvent } from '../../voice/voice-session-events.ts';
import type { ProtocolSocket } from './protocol-socket.ts';
import { anonymousScope, ensureAnonymousTenant } from './voice-anonymous.ts';
import { voiceError } from './voice-errors.ts';
import { parseVoiceFrame, type VoiceClientMessage } from './voice-messages.ts';
import type { WsDependencies } from './ws-dependencies.ts';
import type { ProtocolSession } from './ws-protocol.ts';

// One doc 001 socket: connection_established on open; start_conversation makes a voice session
// (src/voice/voice-session.ts) whose conversation id is the session_id; audio_chunk and
// text_input feed it; its transcripts, replies and errors go out as the document writes them;
// end_conversation (or the socket closing) stops it. One session at a time per socket.

export type VoiceConnectionDependencies = Pick<
  WsDependencies,
  'config' | 'logger' | 'store' | 'engine' | 'voice' | 'metrics' | 'activeTurns'
>;

export interface VoiceConnectionOptions {
  socket: ProtocolSocket;
  /** null for an anonymous connection (ALLOW_ANONYMOUS). */
  principal: Principal | null;
  connectionId: string;
  dependencies: VoiceConnectionDependencies;
}

interface OpenSession {
  session: VoiceSession;
  conversationId: string;
}

export class VoiceConnection implements ProtocolSession {
  readonly #socket: ProtocolSocket;
  readonly #options: VoiceConnectionOptions;
  #current: OpenSession | undefined;
  /** A start_conversation waiting for the engines; audio sent meanwhile waits for it. */
  #starting: Promise<OpenSession | undefined> | undefined;

  constructor(options: VoiceConnectionOptions) {
    this.#socket = options.socket;
    this.#options = options;
    this.#socket.sendJson({
      type: 'connection_established',
      connection_id: options.connectionId,
      message: 'Connected to Conversational AI',
    });
  }

  get busy(): boolean {
    return this.#starting !== undefined || this.#current?.session.busy === true;
  }

  onText(text: string): void {
    let message: VoiceClientMessage;
    try {
      message = parseVoiceFrame(text);
    } catch (error) {
      this.#sendError(toAppError(error));
      return;
    }
    switch (message.type) {
      case 'start_conversation':
        this.#start(message.stream_sentences === true);
        return;
      case 'audio_chunk':
        this.#withSession('audio', (session) => session.pushAudio(message.audio_data));
        return;
      case 'text_input':
        this.#withSession('reply', (session) => session.pushText(message.text));
        return;
      case 'end_conversation':
        this.#stop();
        this.#socket.sendJson({ type: 'conversation_ended', message: 'Conversation ended' });
        return;
    }
  }

  onBinary(_data: Buffer): void {
    this.#sendError(
      new AppError('INVALID_JSON', {
        message:
          'Invalid JSON format: binary frames are not accepted; send audio as {"type":"audio_chunk","audio_data":"<base64 WAV or PCM>"}.',
      }),
    );
  }

  onRefused(error: AppError): void {
    this.#sendError(error);
  }

  onClose(_code: number): void {
    this.#stop();
  }

  /** start_conversation: a new session (ending the one running, if any), once the engines are there. */
  #start(streamSentences: boolean): void {
    this.#stop();
    const starting: Promise<OpenSession | undefined> = this.#open(streamSentences).then((opened) => {
      if (this.#starting !== starting) {
        // Superseded by another start, end_conversation or the socket closing.
        if (!(opened instanceof AppError)) opened.session.end();
        return undefined;
      }
      this.#starting = undefined;
      if (opened instanceof AppError) {
        this.#sendError(opened, 'audio');
        return undefined;
      }
      this.#current = opened;
      this.#socket.sendJson({
        type: 'conversation_started',
        session_id: opened.conversationId,
        message: 'Ready to listen',
      });
      return opened;
    });
    this.#starting = starting;
  }

  /** The session, or why it cannot start (an engine is missing: the error names its install command). */
  async #open(streamSentences: boolean): Promise<OpenSession | AppError> {
    const { voice, config, engine } = this.#options.dependencies;
    let engines;
    try {
      engines = await Promise.all([
        voice.requireSpeechToText(),
        voice.requireTextToSpeech(),
        voice.requireVoiceActivityDetector(),
      ]);
    } catch (error) {
      return toAppError(error);
    }
    const [speechToText, textToSpeech, voiceActivityDetector] = engines;
    const conversationId = uuidv7();
    const scope = this.#scope();
    // The conversation row is made with the first turn, so a session nobody speaks in stores nothing.
    let created: Promise<void> | undefined;
    const ensureConversation = () =>
      (created ??= this.#createConversation(scope, conversationId).catch((error: unknown) => {
        created = undefined; // the next turn tries again
        throw error;
      }));
    const opened: OpenSession = {
      conversationId,
      session: new VoiceSession({
        speechToText,
        textToSpeech,
        voiceActivityDetector,
        streamSentences,
        pcmSampleRate: config.SAMPLE_RATE,
        maxChunkBytes: config.VOICE_MAX_AUDIO_BYTES,
        maxUtteranceSeconds: config.VOICE_MAX_AUDIO_SECONDS,
        startTurn: async ({ content, signal }) => {
          await ensureConversation();
          return engine.startTurn({ scope, conversationId, content, signal });
        },
        emit: (event) => {
          if (this.#current === opened) this.#emit(event);
        },
        trackTurn: (turn, done) => this.#track(turn, done),
      }),
    };
    return opened;
  }

  /** Audio or text for the session: NO_SESSION without one; waits for a start still under way. */
  #withSession(stage: VoiceFailureStage, action: (session: VoiceSession) => void): void {
    const run = (opened: OpenSession) => {
      try {
        action(opened.session);
      } catch (error) {
        this.#sendError(isAudioError(error) ? error : toAppError(error), stage);
      }
    };
    if (this.#current !== undefined) {
      run(this.#current);
      return;
    }
    if (this.#starting !== undefined) {
      // Kept in order behind the start; dropped if it fails (its error already says why).
      void this.#starting.then((opened) => {
        if (opened !== undefined && opened === this.#current) run(opened);
      });
      return;
    }
    this.#sendError(
      new AppError('NO_SESSION', {
        message: 'No active conversation session: send {"type":"start_conversation"} first.',
      }),
    );
  }

  #stop(): void {
    this.#starting = undefined;
    this.#current?.session.end();
    this.#current = undefined;
  }

  #scope(): Scope {
    const { principal, connectionId } = this.#options;
    return principal === null ? anonymousScope(connectionId) : scopeOf(principal);
  }

  async #createConversation(scope: Scope, conversationId: string): Promise<void> {
    const { store } = this.#options.dependencies;
    if (this.#options.principal === null) await ensureAnonymousTenant(store);
    if (scope.userId !== undefined) await store.ensureUser(scope.tenantId, scope.userId);
    await store.createConversation(scope, {
      id: conversationId,
      userId: scope.userId ?? null,
      metadata: { protocol: 'voice' },
    });
  }

  /** Shutdown drains running replies (activeTurns); metrics count them like every protocol's. */
  #track(turn: LiveTurn, done: Promise<void>): void {
    const { activeTurns, metrics } = this.#options.dependencies;
    activeTurns.track(turn, done);
    metrics.activeStreams.inc();
    void done.finally(() => metrics.activeStreams.dec());
    void turn.ended.then((end) => metrics.turns.inc({ finish_reason: end.finishReason }));
  }

  #emit(event: VoiceSessionEvent): void {
    switch (event.type) {
      case 'transcript':
        this.#socket.sendJson({
          type: 'transcript',
          text: event.text,
          is_final: event.isFinal,
          turn_detected: event.turnDetected,
        });
        return;
      case 'response':
        this.#socket.sendJson({
          type: 'ai_response',
          text: event.text,
          audio_data: Buffer.from(event.audio).toString('base64'),
        });
        return;
      case 'error':
        this.#sendError(event.error, event.stage);
        return;
    }
  }

  #sendError(error: AppError | AudioError, stage?: VoiceFailureStage): void {
    if (!isAudioError(error) && (error.code === 'INTERNAL_ERROR' || error.status >= 500)) {
      this.#options.dependencies.logger.warn(
        { err: error, connectionId: this.#options.connectionId, stage },
        'voice session failure',
      );
    }
    this.#socket.sendJson(voiceError(error, stage));
  }
}
