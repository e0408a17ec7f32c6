import { useCallback, useSyncExternalStore } from 'react';

// Where the user is, in the URL's hash, so a reload (or a shared link) lands in the same place:
// `#chat/<id>` a conversation, `#chat` a new one, `#voice` the voice view.

export type Route = { view: 'chat'; chatId: string | null } | { view: 'voice' };

const CHAT_ID = /^[A-Za-z0-9-]{1,64}$/;

export function parseRoute(hash: string): Route {
  const [view, id] = hash.replace(/^#/, '').split('/');
  if (view === 'voice') return { view: 'voice' };
  return { view: 'chat', chatId: id !== undefined && CHAT_ID.test(id) ? id : null };
}

export function formatRoute(route: Route): string {
  if (route.view === 'voice') return '#voice';
  return route.chatId === null ? '#chat' : `#chat/${route.chatId}`;
}

function subscribe(onChange: () => void): () => void {
  window.addEventListener('hashchange', onChange);
  return () => window.removeEventListener('hashchange', onChange);
}

export function useHashRoute(): [Route, (route: Route) => void] {
  const hash = useSyncExternalStore(
    subscribe,
    () => window.location.hash,
    () => '',
  );
  const navigate = useCallback((route: Route) => {
    const next = formatRoute(route);
    if (window.location.hash !== next) window.location.hash = next;
  }, []);
  return [parseRoute(hash), navigate];
}
