// Names of the bus channels, in one place so that every process agrees on them.

/** Announcements of revoked API keys; every process closes that key's sockets. */
export const REVOCATIONS_CHANNEL = 'revocations';

/** Messages for one signaling peer, wherever it is connected; its process subscribes while it holds it. */
export function peerChannel(companyId: string, peerId: string): string {
  return `peer:${companyId}:${peerId}`;
}
