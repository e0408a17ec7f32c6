import { MarkdownReply } from './markdown-reply.tsx';

// One message of a conversation. The user's own words are plain text; the assistant's are Markdown.

export type BubbleStatus = 'sending' | 'streaming' | 'complete' | 'interrupted' | 'error';

const STATUS_NOTE: Partial<Record<BubbleStatus, string>> = {
  sending: 'Sending…',
  interrupted: 'Stopped',
};

export function MessageBubble(props: {
  role: 'user' | 'assistant' | 'system';
  text: string;
  status: BubbleStatus;
  chunkCount?: number;
  error?: string | null;
  note?: string | null;
}) {
  const { role, text, status } = props;
  const speaker = role === 'user' ? 'You' : role === 'assistant' ? 'Assistant' : 'System';
  const statusNote = STATUS_NOTE[status];
  return (
    <article
      className={`message message-${role} message-${status}`}
      data-role={role}
      data-status={status}
      {...(props.chunkCount === undefined ? {} : { 'data-chunks': props.chunkCount })}
      aria-busy={status === 'streaming' || status === 'sending'}
    >
      <h3 className="message-speaker">{speaker}</h3>
      <div className="message-body">
        {role === 'assistant' ? <MarkdownReply text={text} /> : <p className="plain-text">{text}</p>}
        {status === 'streaming' && <span className="typing-indicator" aria-label="Writing" />}
      </div>
      {statusNote !== undefined && <p className="message-note">{statusNote}</p>}
      {props.note && <p className="message-note">{props.note}</p>}
      {status === 'error' && (
        <p className="message-error" role="alert">
          {props.error ?? 'This reply failed.'}
        </p>
      )}
    </article>
  );
}
