'use client';

import { useCallback, useEffect, useRef, useState } from 'react';
import type { Endpoints } from '../endpoints.ts';
import { randomId } from '../random-id.ts';
import type { Session } from '../session.ts';
import { openMicrophone, MicrophoneError, CHUNK_MILLISECONDS, type Microphone } from './microphone.ts';
import { ReplyPlayer, type PlaybackState } from './reply-player.ts';
import { SpeechOnsetDetector } from './speech-onset-detector.ts';
import { describeVoiceError, isFatalVoiceError } from './voice-error.ts';
import {
  parseVoiceServerMessage,
  type VoiceClientMessage,
  type VoiceServerMessage,
} from './voice-messages.ts';
import { bytesToBase64, encodeWav } from './wav-encoding.ts';

// A spoken conversation over doc 001's socket (`WS /ws`): the microphone streams in, transcripts
// and spoken replies come back (one per sentence, played back to back), and speaking over a reply
// stops it at once. Typing works the same way, with or without a microphone.

export type VoiceStatus = 'idle' | 'connecting' | 'listening' | 'thinking' | 'speaking' | 'error';

export interface VoiceEntry {
  key: string;
  speaker: 'user' | 'assistant';
  text: string;
}

export interface VoiceConversation {
  status: VoiceStatus;
  /** What went wrong, for the user; with a live session (a missing microphone) the session goes on. */
  error: string | null;
  entries: VoiceEntry[];
  /** The conversation's id (readable later in the chat list when signed in). */
  sessionId: string | null;
  playback: PlaybackState;
  /** The microphone's latest level, 0..1, for the meter (a ref: it changes 50 times a second). */
  level: { current: number };
  microphoneOn: boolean;
  start(): void;
  stop(): void;
  sendText(text: string): void;
}

const IDLE_PLAYBACK: PlaybackState = { playing: false, received: 0, played: 0, interruptions: 0 };

interface Live {
  socket: WebSocket;
  context: AudioContext;
  player: ReplyPlayer;
  microphone: Microphone | null;
  started: boolean;
}

export function useVoiceConversation(options: { session: Session; endpoints: Endpoints }): VoiceConversation {
  const { session, endpoints } = options;
  const [phase, setPhase] = useState<'idle' | 'connecting' | 'active' | 'error'>('idle');
  const [thinking, setThinking] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [entries, setEntries] = useState<VoiceEntry[]>([]);
  const [sessionId, setSessionId] = useState<string | null>(null);
  const [playback, setPlayback] = useState<PlaybackState>(IDLE_PLAYBACK);
  const [microphoneOn, setMicrophoneOn] = useState(false);
  const level = useRef(0);
  const live = useRef<Live | null>(null);

  const send = useCallback((message: VoiceClientMessage) => {
    const socket = live.current?.socket;
    if (socket?.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
  }, []);

  const teardown = useCallback(() => {
    const current = live.current;
    live.current = null;
    if (current === null) return;
    current.microphone?.stop();
    current.player.stop();
    if (current.socket.readyState === WebSocket.OPEN) {
      current.socket.send(JSON.stringify({ type: 'end_conversation' } satisfies VoiceClientMessage));
    }
    current.socket.close(1000);
    void current.context.close().catch(() => {});
    level.current = 0;
    setMicrophoneOn(false);
    setThinking(false);
  }, []);

  const addEntry = useCallback((speaker: VoiceEntry['speaker'], text: string, options: { join: boolean }) => {
    setEntries((all) => {
      const last = all.at(-1);
      // The sentences of one reply (stream_sentences) read as one entry.
      if (options.join && last?.speaker === speaker) {
        return [...all.slice(0, -1), { ...last, text: `${last.text} ${text}`.trim() }];
      }
      return [...all, { key: randomId(), speaker, text }];
    });
  }, []);

  const start = useCallback(() => {
    if (live.current !== null) return;
    setPhase('connecting');
    setError(null);
    setSessionId(null);
    setPlayback(IDLE_PLAYBACK);
    // Made inside the click that called start(): browsers only let a page make sound after a gesture.
    const context = new AudioContext();
    void context.resume();
    const player = new ReplyPlayer({ context, onChange: setPlayback });
    const url = new URL(endpoints.voiceSocketUrl);
    if (session.kind === 'user') url.searchParams.set('token', session.token);
    const socket = new WebSocket(url);
    const current: Live = { socket, context, player, microphone: null, started: false };
    live.current = current;
    const onset = new SpeechOnsetDetector();

    const onMessage = async (message: VoiceServerMessage) => {
      if (endpoints.debug) console.debug('voice frame', message.type);
      switch (message.type) {
        case 'connection_established':
          socket.send(
            JSON.stringify({
              type: 'start_conversation',
              stream_sentences: true,
            } satisfies VoiceClientMessage),
          );
          return;
        case 'conversation_started': {
          current.started = true;
          setSessionId(message.session_id);
          setPhase('active');
          try {
            const microphone = await openMicrophone({
              context,
              sampleRate: endpoints.sampleRate,
              onChunk(pcm, chunkLevel) {
                level.current = chunkLevel;
                // Barge-in: the user speaks over the reply, so it stops at once.
                if (onset.push(chunkLevel, CHUNK_MILLISECONDS) && player.state.playing) player.stop();
                if (socket.readyState === WebSocket.OPEN) {
                  const audio = bytesToBase64(encodeWav(pcm, endpoints.sampleRate));
                  socket.send(
                    JSON.stringify({ type: 'audio_chunk', audio_data: audio } satisfies VoiceClientMessage),
                  );
                }
              },
            });
            if (live.current !== current) microphone.stop();
            else {
              current.microphone = microphone;
              setMicrophoneOn(true);
            }
          } catch (failure) {
            // Without a microphone the conversation still works by typing.
            setError(
              failure instanceof MicrophoneError
                ? `${failure.message} You can type instead.`
                : String(failure),
            );
          }
          return;
        }
        case 'transcript':
          if (!message.is_final || message.text.trim() === '') return;
          addEntry('user', message.text, { join: message.turn_detected === false });
          if (message.turn_detected !== false) setThinking(true);
          return;
        case 'ai_response':
          setThinking(false);
          addEntry('assistant', message.text, { join: true });
          if (message.audio_data !== undefined && message.audio_data !== '')
            player.enqueue(message.audio_data);
          return;
        case 'error':
          setThinking(false);
          setError(describeVoiceError(message, { anonymous: session.kind === 'anonymous' }));
          if (isFatalVoiceError(message)) {
            teardown();
            setPhase('error');
          }
          return;
        case 'conversation_ended':
          return;
      }
    };

    socket.addEventListener('message', (event: MessageEvent<unknown>) => {
      if (typeof event.data !== 'string') return;
      const message = parseVoiceServerMessage(event.data);
      if (message !== undefined) void onMessage(message);
    });
    socket.addEventListener('close', (event) => {
      if (live.current !== current) return;
      teardown();
      setPhase('error');
      setError((shown) => shown ?? closeMessage(event.code, current.started));
    });
  }, [endpoints, session, addEntry, teardown]);

  const stop = useCallback(() => {
    teardown();
    setPhase('idle');
  }, [teardown]);

  const sendText = useCallback(
    (text: string) => {
      const content = text.trim();
      if (content === '' || live.current?.started !== true) return;
      // Typing over a reply interrupts it, as speaking does.
      live.current.player.stop();
      addEntry('user', content, { join: false });
      setThinking(true);
      send({ type: 'text_input', text: content });
    },
    [addEntry, send],
  );

  useEffect(() => teardown, [teardown]);

  const status: VoiceStatus =
    phase !== 'active' ? phase : playback.playing ? 'speaking' : thinking ? 'thinking' : 'listening';
  return { status, error, entries, sessionId, playback, level, microphoneOn, start, stop, sendText };
}

function closeMessage(code: number, started: boolean): string {
  if (code === 1013) return 'The server is too busy for another voice connection. Try again in a minute.';
  if (code === 1001) return 'The server is restarting. Start again in a moment.';
  return started
    ? 'The voice connection was lost. Press Start talking to begin again.'
    : 'Could not connect to the voice service. Check that cai is running, then try again.';
}
