import { scopeOf } from '../../auth/authenticator.ts';
import { readCredential } from '../../auth/credentials.ts';
import { AppError, toAppError } from '../../core/errors.ts';
import type { ProtocolSocket } from './protocol-socket.ts';
import { refusalCloseCode, sessionChatError } from './session-chat-frames.ts';
import { SessionChatSession } from './session-chat-session.ts';
import type { WsDependencies } from './ws-dependencies.ts';
import type { Admission, UpgradeRequest, WsProtocol } from './ws-protocol.ts';

// Doc 003, `WS /chat/` (also `/chat`): a user's chat session over a JWT (docs/api/session-chat.md).

const TOKEN_HINT =
  'Send a user JWT as "Authorization: Bearer <token>" or "?token=<token>"; a server gets one for its user from POST /api/v1/auth/token.';

export function createSessionChatProtocol(dependencies: WsDependencies): WsProtocol {
  return {
    name: 'session-chat',
    maxMessageBytes: dependencies.config.WS_MAX_MESSAGE_BYTES,

    match(pathname) {
      return pathname === '/chat/' || pathname === '/chat' ? {} : undefined;
    },

    async admit(request: UpgradeRequest): Promise<Admission> {
      const credential = readCredential({ headers: request.headers, query: request.url.searchParams });
      if (credential === undefined) {
        return {
          accepted: false,
          error: new AppError('AUTH_REQUIRED', { message: `A user JWT is required. ${TOKEN_HINT}` }),
        };
      }
      if (credential.kind === 'api-key') {
        return {
          accepted: false,
          error: new AppError('AUTH_FAILED', {
            message: `This endpoint takes a user JWT, not an API key. ${TOKEN_HINT}`,
          }),
        };
      }
      try {
        const principal = await dependencies.authenticator.authenticate(credential);
        if (principal.userId === undefined) throw new AppError('AUTH_FAILED');
        return { accepted: true, principal };
      } catch (error) {
        return { accepted: false, error: toAppError(error) };
      }
    },

    refuse(socket: ProtocolSocket, error: AppError) {
      socket.sendJson(sessionChatError(error, undefined));
      socket.close(refusalCloseCode(error), error.code);
    },

    open({ socket, principal, request }) {
      const scope = principal === null ? undefined : scopeOf(principal);
      if (scope?.userId === undefined) throw new AppError('AUTH_FAILED'); // admit accepts JWTs only
      const requested = request.url.searchParams.get('session_id')?.trim();
      return new SessionChatSession({
        dependencies,
        socket,
        scope: { tenantId: scope.tenantId, userId: scope.userId },
        requestedSessionId: requested === undefined || requested === '' ? undefined : requested,
      });
    },
  };
}
