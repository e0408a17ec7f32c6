import type { Message } from './domain.ts';

export interface HistoryLimits {
  /** At most this many stored messages, the new user message included. */
  maxMessages: number;
  /** At most this many characters of content, unless the new user message alone is longer. */
  maxCharacters: number;
}

/**
 * The conversation as the model sees it for one turn: the newest messages that fit the limits,
 * oldest first, ending with the turn's own user message. Messages stored after it (a concurrent
 * turn's) are left out, and so are empty ones (a failure that produced no text), which providers
 * refuse. The window stops at the first message that does not fit, so it never has holes.
 */
export function historyWindow(options: {
  stored: Message[];
  userMessage: Message;
  limits: HistoryLimits;
}): Message[] {
  const { userMessage, limits } = options;
  const earlier = options.stored.filter(
    (message) => message.id < userMessage.id && message.content.trim() !== '',
  );
  const window: Message[] = [userMessage];
  let characters = userMessage.content.length;
  for (let index = earlier.length - 1; index >= 0; index -= 1) {
    const message = earlier[index]!;
    if (window.length >= limits.maxMessages) break;
    if (characters + message.content.length > limits.maxCharacters) break;
    window.unshift(message);
    characters += message.content.length;
  }
  return window;
}
