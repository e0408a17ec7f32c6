import { readCredential } from '../../auth/credentials.ts';
import { AppError, toAppError } from '../../core/errors.ts';
import { ChatStreamConnection } from './chat-stream-connection.ts';
import { chatStreamError, refusalCloseCode } from './chat-stream-frames.ts';
import type { ChatStreamSession } from './chat-stream-session.ts';
import type { ProtocolSocket } from './protocol-socket.ts';
import { ResumeRegistry } from './resume-registry.ts';
import type { WsDependencies } from './ws-dependencies.ts';
import type { Admission, UpgradeRequest, WsProtocol } from './ws-protocol.ts';

// Doc 004, `WS /ws/chat?api_key&user_id&chat_id`: token-streamed chat replies, resumable
// (docs/api/chat-stream.md).

const MAX_USER_ID_LENGTH = 256;

function queryText(request: UpgradeRequest, name: string): string | undefined {
  const value = request.url.searchParams.get(name)?.trim();
  return value === undefined || value === '' ? undefined : value;
}

export interface ChatStreamProtocol extends WsProtocol {
  /** Sessions a lost client may resume; app.ts expires them at shutdown. */
  readonly sessions: ResumeRegistry<ChatStreamSession>;
}

export function createChatStreamProtocol(dependencies: WsDependencies): ChatStreamProtocol {
  const sessions = new ResumeRegistry<ChatStreamSession>({ graceMs: dependencies.config.RESUME_GRACE_MS });

  async function admit(request: UpgradeRequest): Promise<Admission> {
    let principal;
    try {
      principal = await dependencies.authenticator.authenticate(
        readCredential({ headers: request.headers, query: request.url.searchParams }),
      );
    } catch (error) {
      return { accepted: false, error: toAppError(error) };
    }
    const userId = queryText(request, 'user_id');
    if (userId !== undefined && userId.length > MAX_USER_ID_LENGTH) {
      return {
        accepted: false,
        error: new AppError('VALIDATION_FAILED', {
          message: `user_id may hold at most ${MAX_USER_ID_LENGTH} characters.`,
          details: { hint: 'Use a shorter user id.' },
        }),
      };
    }
    if (principal.userId !== undefined) {
      if (userId !== undefined && userId !== principal.userId) {
        return {
          accepted: false,
          error: new AppError('FORBIDDEN', {
            message: 'user_id does not match the token’s user.',
            details: { hint: 'Drop user_id (a token speaks for its own user) or use that user’s id.' },
          }),
        };
      }
    } else if (userId === undefined) {
      return {
        accepted: false,
        error: new AppError('VALIDATION_FAILED', {
          message: 'user_id is required.',
          details: {
            hint: 'Name the user in the URL: /ws/chat?api_key=<key>&user_id=<user id>&chat_id=<chat id>.',
          },
        }),
      };
    }
    return { accepted: true, principal };
  }

  return {
    name: 'chat-stream',
    maxMessageBytes: dependencies.config.WS_MAX_MESSAGE_BYTES,
    sessions,
    // Parked sessions cannot be resumed on a process that is going away.
    shutdown: () => sessions.expireAll(),

    match(pathname) {
      return pathname === '/ws/chat' || pathname === '/ws/chat/' ? {} : undefined;
    },

    admit,

    refuse(socket: ProtocolSocket, error: AppError) {
      socket.sendJson(chatStreamError(error));
      socket.close(refusalCloseCode(error), error.code);
    },

    open({ socket, principal, request, connectionId }) {
      if (principal === null) throw new AppError('AUTH_REQUIRED'); // admit accepts no anonymous client
      const userId = principal.userId ?? queryText(request, 'user_id');
      if (userId === undefined) throw new AppError('VALIDATION_FAILED'); // admit refused this already
      return new ChatStreamConnection({
        dependencies,
        registry: sessions,
        socket,
        connectionId,
        owner: { tenantId: principal.tenantId, userId },
        chatId: queryText(request, 'chat_id'),
      });
    },
  };
}
