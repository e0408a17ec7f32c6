import WebSocket, { type RawData } from 'ws';

// A doc 002 signaling client for tests over real sockets: records every frame, lets a test wait for
// one, and tells how the connection ended. Waits time out only so a broken test does not hang.

export type Frame = Record<string, unknown>;

const WAIT_MS = 15_000;

export function signalingUrl(baseUrl: string, peerId: string, key: string): string {
  return `${baseUrl.replace(/^http/, 'ws')}/api/v1/webrtc/signal/${peerId}/${key}`;
}

export class SignalingClient {
  readonly ws: WebSocket;
  readonly frames: Frame[] = [];
  /** How the connection ended. */
  readonly closed: Promise<{ code: number; reason: string }>;
  /** The HTTP status, when the server answered the upgrade with something other than 101. */
  readonly rejected: Promise<number>;
  readonly #waiters: Array<{ predicate: (frame: Frame) => boolean; resolve: (frame: Frame) => void }> = [];

  constructor(url: string) {
    this.ws = new WebSocket(url);
    this.ws.on('message', (data: RawData) => {
      const frame = JSON.parse(String(data)) as Frame;
      this.frames.push(frame);
      for (const waiter of this.#waiters.filter((candidate) => candidate.predicate(frame))) {
        this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
        waiter.resolve(frame);
      }
    });
    this.ws.on('error', () => undefined);
    this.closed = new Promise((resolve) =>
      this.ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
    );
    this.rejected = new Promise((resolve) =>
      this.ws.on('unexpected-response', (_request, response) => {
        resolve(response.statusCode ?? 0);
        response.resume();
        this.ws.terminate();
      }),
    );
  }

  static connect(options: { baseUrl: string; peerId: string; key: string }): SignalingClient {
    return new SignalingClient(signalingUrl(options.baseUrl, options.peerId, options.key));
  }

  /** The first frame (received already, or still to come) that matches. */
  next(predicate: (frame: Frame) => boolean, description = 'a matching frame'): Promise<Frame> {
    const found = this.frames.find(predicate);
    if (found !== undefined) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`never received ${description}; got ${JSON.stringify(this.frames).slice(0, 2000)}`));
      }, WAIT_MS);
      this.#waiters.push({
        predicate,
        resolve: (frame) => {
          clearTimeout(timer);
          resolve(frame);
        },
      });
    });
  }

  /** `connected`, or the error frame of a refusal. */
  greeting(): Promise<Frame> {
    return this.next((frame) => frame['type'] === 'connected' || frame['type'] === 'error', 'a greeting');
  }

  /** Resolves once connected; rejects with the refusal otherwise. */
  async joined(): Promise<this> {
    const greeting = await this.greeting();
    if (greeting['type'] !== 'connected') throw new Error(`refused: ${JSON.stringify(greeting)}`);
    return this;
  }

  error(code: number): Promise<Frame> {
    return this.next((frame) => frame['type'] === 'error' && frame['code'] === code, `an error ${code}`);
  }

  ofType(type: string): Frame[] {
    return this.frames.filter((frame) => frame['type'] === type);
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** Sends a ping and waits for its pong: everything sent before it has been handled. */
  async roundTrip(): Promise<void> {
    const pongs = this.ofType('pong').length;
    this.send({ type: 'ping' });
    await this.next(() => this.ofType('pong').length > pongs, 'a pong');
  }

  async close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return;
    this.ws.close(1000);
    await this.closed;
  }
}

/** A session description that passes validation (what matters here is that it arrives intact). */
export const TEST_SDP = [
  'v=0',
  'o=- 4611731400430051336 2 IN IP4 127.0.0.1',
  's=-',
  't=0 0',
  'm=application 9 UDP/DTLS/SCTP webrtc-datachannel',
  'c=IN IP4 0.0.0.0',
  '',
].join('\r\n');
