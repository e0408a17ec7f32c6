// One spoken conversation (doc 001's session), free of any transport: audio in → voice activity
// detection → the utterance's audio → speech-to-text → a final transcript → the conversation
// engine's turn → speech, sentence by sentence → responses out. `text_input` joins at the
// transcript. Turn-taking:
// - A reply starts when the user has stopped: the detector's speech-end (after VAD_SILENCE_MS of
//   silence), and no newer speech or text waiting. Speech that resumes before the reply starts
//   (while its transcript is being made) joins the same turn: one user message, one reply.
// - Barge-in: speech-start, or text, while a reply is being produced cancels it (reply.cancel():
//   the turn is stored as interrupted, nothing more of it is sent).
// - end() stops everything: the running speech-to-text and synthesis processes are aborted.
import type { LiveTurn, Turn } from '../core/conversation-engine.ts';
import { AppError, toAppError } from '../core/errors.ts';
import { isAudioError } from './audio/audio-error.ts';
import { AudioInput, FrameSplitter } from './audio-input.ts';
import type { SpeechToText } from './speech-to-text.ts';
import type { TextToSpeech } from './text-to-speech.ts';
import { UtteranceRecorder } from './utterance-recorder.ts';
import type { VoiceActivityDetector, VoiceActivityEvent } from './voice-activity-detector.ts';
import { VoiceReply } from './voice-reply.ts';
import type { EmitVoiceEvent } from './voice-session-events.ts';

export interface VoiceSessionOptions {
  speechToText: SpeechToText;
  textToSpeech: TextToSpeech;
  /** This session's own detector (it holds the stream's state). */
  voiceActivityDetector: VoiceActivityDetector;
  /** Starts a turn of the session's conversation (the caller creates the conversation first). */
  startTurn: (request: { content: string; signal: AbortSignal }) => Promise<Turn>;
  /** One response per sentence instead of one per reply. */
  streamSentences: boolean;
  /** WAV bytes one response may carry before a long reply is split between sentences. */
  maxResponseAudioBytes?: number;
  /** SAMPLE_RATE: the rate of headerless PCM chunks. */
  pcmSampleRate: number;
  /** VOICE_MAX_AUDIO_BYTES: the largest decoded chunk. */
  maxChunkBytes: number;
  /** VOICE_MAX_AUDIO_SECONDS: a longer utterance is transcribed in pieces. */
  maxUtteranceSeconds: number;
  /** Audio received but not yet through the detector, in seconds, before chunks are refused. */
  maxBacklogSeconds?: number;
  emit: EmitVoiceEvent;
  trackTurn?: (turn: LiveTurn, done: Promise<void>) => void;
}

type UserInput =
  { kind: 'speech'; samples: Int16Array; turnDetected: boolean } | { kind: 'text'; text: string };

const DEFAULT_MAX_BACKLOG_SECONDS = 30;
// A client sending faster than real time is told to wait about this long.
const BACKLOG_RETRY_MS = 1000;

export class VoiceSession {
  readonly #options: VoiceSessionOptions;
  readonly #detector: VoiceActivityDetector;
  readonly #input: AudioInput;
  readonly #frames: FrameSplitter;
  readonly #recorder: UtteranceRecorder;
  readonly #maxBacklogFrames: number;
  /** Aborts speech-to-text when the session ends. */
  readonly #abort = new AbortController();
  #detecting: Promise<void> = Promise.resolve();
  #backlogFrames = 0;
  #speaking = false;
  readonly #inputs: UserInput[] = [];
  #processingInputs = false;
  /** Said or typed since the last reply started, waiting for the user to stop. */
  #unanswered: string[] = [];
  #reply: VoiceReply | undefined;
  #ended = false;

  constructor(options: VoiceSessionOptions) {
    this.#options = options;
    this.#detector = options.voiceActivityDetector;
    this.#detector.reset();
    this.#input = new AudioInput({
      pcmSampleRate: options.pcmSampleRate,
      maxChunkBytes: options.maxChunkBytes,
    });
    this.#frames = new FrameSplitter(this.#detector.frameSize);
    this.#recorder = new UtteranceRecorder({ sampleRate: this.#detector.sampleRate });
    const frameSeconds = this.#detector.frameSize / this.#detector.sampleRate;
    this.#maxBacklogFrames = Math.ceil(
      (options.maxBacklogSeconds ?? DEFAULT_MAX_BACKLOG_SECONDS) / frameSeconds,
    );
  }

  /** Something is in progress: audio waiting for the detector, a transcript, or a reply. */
  get busy(): boolean {
    if (this.#ended) return false;
    return this.#backlogFrames > 0 || this.#processingInputs || this.#inputs.length > 0 || this.#replying;
  }

  get #replying(): boolean {
    return this.#reply?.finished === false;
  }

  /**
   * One chunk of `audio_data`. Throws an AudioError for audio it cannot read and RATE_LIMITED when
   * audio arrives much faster than real time; the session goes on either way.
   */
  pushAudio(audioData: string): void {
    if (this.#ended) return;
    if (this.#backlogFrames >= this.#maxBacklogFrames) {
      throw new AppError('RATE_LIMITED', {
        message: 'Audio is arriving faster than it can be processed; send it in real time.',
        retryAfterMs: BACKLOG_RETRY_MS,
      });
    }
    const samples = this.#input.push(audioData);
    for (const frame of this.#frames.push(samples)) {
      this.#backlogFrames += 1;
      this.#detecting = this.#detecting
        .then(() => this.#detect(frame))
        .finally(() => {
          this.#backlogFrames -= 1;
        });
    }
  }

  /** `text_input`: the user's words without speech-to-text. Barges in like speech does. */
  pushText(text: string): void {
    if (this.#ended) return;
    this.#bargeIn();
    this.#inputs.push({ kind: 'text', text });
    void this.#work();
  }

  /** end_conversation, or the socket closed: stop everything. */
  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#abort.abort(new Error('voice session ended'));
    this.#reply?.cancel();
    this.#inputs.length = 0;
  }

  /** Settles once the reply in progress (if any) is over. */
  async idle(): Promise<void> {
    await this.#reply?.done;
  }

  async #detect(frame: Int16Array): Promise<void> {
    if (this.#ended) return;
    let events: VoiceActivityEvent[];
    try {
      ({ events } = await this.#detector.process(frame));
    } catch (error) {
      if (this.#ended) return;
      // The detector's timeline and the recording's must stay together: both start over.
      this.#detector.reset();
      this.#recorder.reset();
      this.#frames.reset();
      this.#speaking = false;
      this.#options.emit({ type: 'error', stage: 'audio', error: toAppError(error) });
      return;
    }
    if (this.#ended) return;
    this.#recorder.push(frame);
    for (const event of events) {
      if (event.type === 'speech-start') {
        this.#speaking = true;
        this.#recorder.start(event.at);
        this.#bargeIn();
      } else {
        this.#speaking = false;
        if (this.#recorder.recording) this.#utterance(this.#recorder.finish(event.at), true);
      }
    }
    if (this.#recorder.recordedSeconds >= this.#options.maxUtteranceSeconds) {
      // Still speaking at the cap: transcribe what there is, keep recording the rest.
      this.#utterance(this.#recorder.finish(), false);
      this.#recorder.continueRecording();
    }
  }

  #utterance(samples: Int16Array, turnDetected: boolean): void {
    this.#inputs.push({ kind: 'speech', samples, turnDetected });
    void this.#work();
  }

  #bargeIn(): void {
    this.#reply?.cancel();
  }

  /** Turns inputs into transcripts and replies, one input at a time, in order. */
  async #work(): Promise<void> {
    if (this.#processingInputs) return;
    this.#processingInputs = true;
    try {
      for (let input = this.#inputs.shift(); input !== undefined; input = this.#inputs.shift()) {
        const text = input.kind === 'text' ? input.text.trim() : await this.#transcribe(input);
        if (this.#ended) return;
        if (text) this.#unanswered.push(text);
        this.#replyIfDone();
      }
    } finally {
      this.#processingInputs = false;
    }
  }

  async #transcribe(input: { samples: Int16Array; turnDetected: boolean }): Promise<string> {
    if (input.samples.length === 0) return '';
    try {
      const transcript = await this.#options.speechToText.transcribe({
        audio: input.samples,
        signal: this.#abort.signal,
      });
      const text = transcript.text.trim();
      // Nothing heard (a cough, a door): no transcript, no turn.
      if (text !== '' && !this.#ended) {
        this.#options.emit({ type: 'transcript', text, isFinal: true, turnDetected: input.turnDetected });
      }
      return text;
    } catch (error) {
      if (!this.#ended) {
        const failure = isAudioError(error) ? error : toAppError(error);
        this.#options.emit({ type: 'error', stage: 'speech-to-text', error: failure });
      }
      return '';
    }
  }

  /** Starts the reply once the user is done: nothing queued, not speaking, something said. */
  #replyIfDone(): void {
    if (this.#inputs.length > 0 || this.#speaking || this.#unanswered.length === 0) return;
    const content = this.#unanswered.join(' ');
    this.#unanswered = [];
    const previous = this.#reply;
    previous?.cancel();
    const { startTurn } = this.#options;
    this.#reply = new VoiceReply({
      content,
      // After the cancelled reply is stored, so this turn's history holds it.
      startTurn: async (request) => {
        await previous?.done;
        return startTurn(request);
      },
      textToSpeech: this.#options.textToSpeech,
      streamSentences: this.#options.streamSentences,
      ...(this.#options.maxResponseAudioBytes === undefined
        ? {}
        : { maxResponseAudioBytes: this.#options.maxResponseAudioBytes }),
      emit: this.#options.emit,
      ...(this.#options.trackTurn === undefined ? {} : { trackTurn: this.#options.trackTurn }),
    });
  }
}
