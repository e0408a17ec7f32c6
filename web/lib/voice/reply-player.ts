import { base64ToBytes } from './wav-encoding.ts';
import { PlaybackSchedule } from './playback-schedule.ts';

// Plays the spoken reply (each `ai_response`'s WAV) in arrival order, back to back. Decoding is
// chained, so a short piece decoded quickly never overtakes a longer one sent before it. stop()
// (barge-in) silences everything at once, including pieces still being decoded.

export interface PlaybackState {
  playing: boolean;
  /** Pieces received, and pieces that played to their end. */
  received: number;
  played: number;
  /** Times playback was cut short by the user speaking (or typing). */
  interruptions: number;
}

export class ReplyPlayer {
  readonly #context: AudioContext;
  readonly #onChange: (state: PlaybackState) => void;
  readonly #schedule = new PlaybackSchedule();
  readonly #sources = new Set<AudioBufferSourceNode>();
  #decoding: Promise<void> = Promise.resolve();
  /** Bumped by stop(): decodes that finish afterwards belong to a reply no one wants. */
  #generation = 0;
  /** Pieces of the current generation still being decoded. */
  #pendingDecodes = 0;
  #state: PlaybackState = { playing: false, received: 0, played: 0, interruptions: 0 };

  constructor(options: { context: AudioContext; onChange: (state: PlaybackState) => void }) {
    this.#context = options.context;
    this.#onChange = options.onChange;
  }

  get state(): PlaybackState {
    return this.#state;
  }

  /** Queues a base64 WAV; rejects nothing (a piece that cannot be decoded is skipped). */
  enqueue(base64Wav: string): void {
    const generation = this.#generation;
    const bytes = base64ToBytes(base64Wav);
    this.#pendingDecodes += 1;
    this.#update({ received: this.#state.received + 1, playing: true });
    this.#decoding = this.#decoding.then(async () => {
      try {
        const buffer = await this.#context.decodeAudioData(bytes.buffer.slice(0) as ArrayBuffer);
        if (generation === this.#generation) this.#play(buffer);
      } catch {
        // A broken piece is skipped; the rest of the reply still plays.
      } finally {
        if (generation === this.#generation) {
          this.#pendingDecodes -= 1;
          this.#settle();
        }
      }
    });
  }

  /** Barge-in: silence now, and drop whatever is still queued. */
  stop(): void {
    const wasPlaying = this.#state.playing;
    this.#generation += 1;
    for (const source of this.#sources) {
      source.onended = null;
      source.stop();
      source.disconnect();
    }
    this.#sources.clear();
    this.#schedule.clear();
    this.#pendingDecodes = 0;
    this.#update({ playing: false, interruptions: this.#state.interruptions + (wasPlaying ? 1 : 0) });
  }

  #play(buffer: AudioBuffer): void {
    const source = this.#context.createBufferSource();
    source.buffer = buffer;
    source.connect(this.#context.destination);
    const start = this.#schedule.reserve(buffer.duration, this.#context.currentTime);
    source.onended = () => {
      this.#sources.delete(source);
      source.disconnect();
      this.#update({ played: this.#state.played + 1 });
      this.#settle();
    };
    this.#sources.add(source);
    source.start(start);
  }

  #settle(): void {
    const playing = this.#sources.size > 0 || this.#pendingDecodes > 0;
    if (playing !== this.#state.playing) this.#update({ playing });
  }

  #update(change: Partial<PlaybackState>): void {
    this.#state = { ...this.#state, ...change };
    this.#onChange(this.#state);
  }
}
