'use client';

import { useEffect, useRef, useState, type FormEvent } from 'react';
import type { Endpoints } from '../../lib/endpoints.ts';
import type { Session } from '../../lib/session.ts';
import { useVoiceConversation, type VoiceStatus } from '../../lib/voice/use-voice-conversation.ts';
import { LevelMeter } from './level-meter.tsx';

// Talking with cai: start, speak, hear the answer; speak over it to interrupt; or type instead.

const STATUS_TEXT: Record<VoiceStatus, string> = {
  idle: 'Press Start talking, then speak.',
  connecting: 'Connecting…',
  listening: 'Listening. Speak now.',
  thinking: 'Thinking…',
  speaking: 'Speaking. Talk to interrupt.',
  error: 'Stopped.',
};

export function VoicePanel(props: { session: Session; endpoints: Endpoints }) {
  const voice = useVoiceConversation(props);
  const [text, setText] = useState('');
  const end = useRef<HTMLDivElement>(null);
  const running = voice.status !== 'idle' && voice.status !== 'error';
  const canType = running && voice.sessionId !== null;

  useEffect(() => {
    end.current?.scrollIntoView({ block: 'end' });
  }, [voice.entries]);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!canType || text.trim() === '') return;
    voice.sendText(text);
    setText('');
  };

  return (
    <section
      className="voice-panel"
      aria-label="Voice conversation"
      data-voice-state={voice.status}
      data-audio-playback={voice.playback.playing ? 'playing' : 'idle'}
      data-received-chunks={voice.playback.received}
      data-played-chunks={voice.playback.played}
      data-barge-ins={voice.playback.interruptions}
    >
      <div className="voice-controls">
        {running ? (
          <button type="button" className="button danger big" onClick={voice.stop}>
            Stop talking
          </button>
        ) : (
          <button type="button" className="button primary big" onClick={voice.start}>
            Start talking
          </button>
        )}
        <p className={`voice-status status-${voice.status}`} role="status" aria-live="polite">
          <span className="status-dot" aria-hidden="true" />
          {STATUS_TEXT[voice.status]}
        </p>
        <LevelMeter level={voice.level} active={voice.microphoneOn} />
      </div>
      {voice.error && (
        <p className="error-text" role="alert">
          {voice.error}
        </p>
      )}
      <div className="voice-transcript" role="log" aria-live="polite" aria-label="Transcript">
        {voice.entries.length === 0 && (
          <p className="muted">What you say and what cai answers appears here.</p>
        )}
        {voice.entries.map((entry) => (
          <p key={entry.key} className={`voice-line voice-${entry.speaker}`} data-speaker={entry.speaker}>
            <strong>{entry.speaker === 'user' ? 'You' : 'cai'}:</strong> {entry.text}
          </p>
        ))}
        <div ref={end} />
      </div>
      <form className="voice-type" onSubmit={submit}>
        <label htmlFor="voice-text">Type instead</label>
        <input
          id="voice-text"
          type="text"
          value={text}
          autoComplete="off"
          placeholder={canType ? 'Type and press Enter…' : 'Start talking first'}
          disabled={!canType}
          onChange={(event) => setText(event.target.value)}
        />
        <button type="submit" className="button" disabled={!canType || text.trim() === ''}>
          Send
        </button>
      </form>
    </section>
  );
}
