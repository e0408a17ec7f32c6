import { APP_BASE_PATH } from '../base-path.ts';

// The microphone, captured through the pcm-capture AudioWorklet (public/worklets/pcm-capture.js),
// which resamples it to the rate cai wants and hands over 20 ms chunks of 16-bit PCM with their level.

export const CHUNK_MILLISECONDS = 20;
const WORKLET_URL = `${APP_BASE_PATH}/worklets/pcm-capture.js`;

export interface Microphone {
  stop(): void;
}

export class MicrophoneError extends Error {
  constructor(
    readonly reason: 'insecure-page' | 'unsupported' | 'denied' | 'missing' | 'busy' | 'failed',
    message: string,
  ) {
    super(message);
    this.name = 'MicrophoneError';
  }
}

export async function openMicrophone(options: {
  context: AudioContext;
  sampleRate: number;
  onChunk(pcm: Int16Array, level: number): void;
}): Promise<Microphone> {
  const { context } = options;
  if (!window.isSecureContext) {
    throw new MicrophoneError(
      'insecure-page',
      'The browser only lends the microphone to secure pages: open the app over https, or on localhost.',
    );
  }
  if (navigator.mediaDevices?.getUserMedia === undefined || context.audioWorklet === undefined) {
    throw new MicrophoneError(
      'unsupported',
      'This browser cannot record audio here. Try a current Chrome, Edge, Firefox or Safari.',
    );
  }
  let stream: MediaStream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({
      // Echo cancellation keeps the reply's own sound out of the microphone, or it would barge in.
      audio: { channelCount: 1, echoCancellation: true, noiseSuppression: true, autoGainControl: true },
    });
  } catch (error) {
    throw microphoneError(error);
  }
  try {
    await context.audioWorklet.addModule(WORKLET_URL);
    const source = context.createMediaStreamSource(stream);
    const capture = new AudioWorkletNode(context, 'pcm-capture', {
      numberOfInputs: 1,
      numberOfOutputs: 1,
      outputChannelCount: [1],
      channelCount: 1,
      channelCountMode: 'explicit',
      processorOptions: { outputSampleRate: options.sampleRate, chunkMilliseconds: CHUNK_MILLISECONDS },
    });
    // A muted path to the speakers keeps the node pulled by the audio graph.
    const mute = context.createGain();
    mute.gain.value = 0;
    capture.port.onmessage = (event: MessageEvent<{ pcm: Int16Array; level: number }>) => {
      options.onChunk(event.data.pcm, event.data.level);
    };
    source.connect(capture);
    capture.connect(mute);
    mute.connect(context.destination);
    return {
      stop() {
        capture.port.postMessage('stop');
        capture.port.onmessage = null;
        source.disconnect();
        capture.disconnect();
        mute.disconnect();
        for (const track of stream.getTracks()) track.stop();
      },
    };
  } catch (error) {
    for (const track of stream.getTracks()) track.stop();
    throw new MicrophoneError('failed', `The microphone could not be set up: ${(error as Error).message}`);
  }
}

function microphoneError(error: unknown): MicrophoneError {
  const name = error instanceof DOMException ? error.name : '';
  switch (name) {
    case 'NotAllowedError':
    case 'SecurityError':
      return new MicrophoneError(
        'denied',
        'Microphone access was blocked. Allow it for this site in the browser (the icon in the address bar), then try again.',
      );
    case 'NotFoundError':
    case 'OverconstrainedError':
      return new MicrophoneError('missing', 'No microphone was found. Plug one in, or type instead.');
    case 'NotReadableError':
    case 'AbortError':
      return new MicrophoneError(
        'busy',
        'The microphone is in use by another program, or it failed. Close that program, or type instead.',
      );
    default:
      return new MicrophoneError(
        'failed',
        `The microphone could not be opened: ${(error as Error)?.message ?? 'unknown error'}.`,
      );
  }
}
