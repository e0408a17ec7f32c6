'use client';

import { useId, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';

// Where the user writes. Enter sends, Shift+Enter starts a new line; while a reply streams the
// Send button becomes Stop (Escape stops too).

export function Composer(props: {
  busy: boolean;
  /** Whether a message can go out now; the field stays editable either way. */
  canSend: boolean;
  cannotSendReason?: string;
  onSend(text: string): void;
  onStop(): void;
}) {
  const [text, setText] = useState('');
  const field = useRef<HTMLTextAreaElement>(null);
  const hintId = useId();

  const submit = (event?: FormEvent) => {
    event?.preventDefault();
    if (props.busy || !props.canSend || text.trim() === '') return;
    props.onSend(text);
    setText('');
    field.current?.focus();
  };

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      submit();
    } else if (event.key === 'Escape' && props.busy) {
      event.preventDefault();
      props.onStop();
    }
  };

  return (
    <form className="composer" onSubmit={submit}>
      <label htmlFor={`${hintId}-message`} className="visually-hidden">
        Message
      </label>
      <textarea
        id={`${hintId}-message`}
        ref={field}
        value={text}
        rows={2}
        // A chat opens ready to type into, as chat apps do; the rest is one Tab away.
        autoFocus
        placeholder="Write a message…"
        aria-describedby={hintId}
        onChange={(event) => setText(event.target.value)}
        onKeyDown={onKeyDown}
      />
      <p id={hintId} className="composer-hint">
        {!props.canSend && props.cannotSendReason
          ? props.cannotSendReason
          : 'Enter to send, Shift+Enter for a new line, Escape to stop a reply.'}
      </p>
      {props.busy ? (
        <button type="button" className="button stop-button" onClick={props.onStop}>
          Stop
        </button>
      ) : (
        <button type="submit" className="button primary" disabled={!props.canSend || text.trim() === ''}>
          Send
        </button>
      )}
    </form>
  );
}
