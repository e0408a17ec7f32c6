// A new conversation is titled after its first message, so the list reads like the conversations.

const TITLE_LENGTH = 60;

export function titleFromMessage(text: string): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  if (oneLine.length <= TITLE_LENGTH) return oneLine;
  const cut = oneLine.slice(0, TITLE_LENGTH);
  const lastSpace = cut.lastIndexOf(' ');
  return `${(lastSpace > TITLE_LENGTH / 2 ? cut.slice(0, lastSpace) : cut).trimEnd()}…`;
}

/** What the list shows for a conversation without a title (a voice session, say). */
export function displayTitle(chat: { title: string | null; created_at: string }): string {
  if (chat.title !== null && chat.title.trim() !== '') return chat.title;
  const created = new Date(chat.created_at);
  return Number.isNaN(created.getTime())
    ? 'Untitled conversation'
    : `Conversation of ${created.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' })}`;
}
