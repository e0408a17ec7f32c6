import type { ConnectionStatus } from '../../lib/chat/use-chat-connection.ts';

// The chat connection's state in words, announced politely to screen readers. Quiet while all is well.

export function ConnectionBanner(props: {
  status: ConnectionStatus;
  onReconnect(): void;
  onSignInAgain(): void;
}) {
  const { status } = props;
  let text: string | null = null;
  let tone = 'info';
  switch (status.kind) {
    case 'connecting':
      text = 'Connecting…';
      break;
    case 'open':
      break;
    case 'reconnecting':
      text = `Connection lost. Reconnecting${status.attempt > 1 ? ` (attempt ${status.attempt})` : ''}… Replies in progress will continue.`;
      tone = 'warning';
      break;
    case 'resumed':
      text =
        status.replayed > 0
          ? `Reconnected. ${status.replayed} missed ${status.replayed === 1 ? 'update was' : 'updates were'} caught up.`
          : 'Reconnected.';
      break;
    case 'resume-failed':
      text = 'Reconnected, but a reply in progress could not be picked up. What was saved is shown.';
      tone = 'warning';
      break;
    case 'closed':
      text = `Disconnected. ${status.message}`;
      tone = 'error';
      break;
  }
  return (
    <div
      className={`connection-banner tone-${tone}`}
      role="status"
      aria-live="polite"
      data-connection={status.kind}
    >
      {text}
      {status.kind === 'closed' &&
        (status.signInAgain ? (
          <button type="button" className="button" onClick={props.onSignInAgain}>
            Sign in again
          </button>
        ) : (
          <button type="button" className="button" onClick={props.onReconnect}>
            Reconnect
          </button>
        ))}
    </div>
  );
}
