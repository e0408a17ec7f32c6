import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';

// Refusing an upgrade before any 101: a plain HTTP answer written on the raw socket, which is then
// closed. Used where no protocol applies yet (unknown path, foreign Origin, shutting down).

const LINGER_MS = 2000;

export function refuseUpgrade(
  socket: Duplex,
  options: { status: number; code: string; message: string },
): void {
  if (socket.destroyed) return;
  const body = JSON.stringify({ error: { code: options.code, message: options.message } });
  socket.end(
    `HTTP/1.1 ${options.status} ${STATUS_CODES[options.status] ?? ''}\r\n` +
      'Connection: close\r\n' +
      'Content-Type: application/json; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      '\r\n' +
      body,
  );
  // A client that never closes its side does not get to keep the socket.
  setTimeout(() => socket.destroy(), LINGER_MS).unref();
}
