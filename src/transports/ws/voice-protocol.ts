import { readCredential } from '../../auth/credentials.ts';
import { AppError, isAppError } from '../../core/errors.ts';
import type { ProtocolSocket } from './protocol-socket.ts';
import { VoiceConnection } from './voice-connection.ts';
import { voiceError } from './voice-errors.ts';
import type { WsDependencies } from './ws-dependencies.ts';
import type { Admission, UpgradeRequest, WsProtocol } from './ws-protocol.ts';

// Doc 001, `WS /ws` (DESIGN.md "Doc 001"): a spoken conversation. Audio in, transcripts and
// spoken replies out (docs/voice.md, "Voice session"). The document's clients connect without a
// credential, which ALLOW_ANONYMOUS=true permits; otherwise an API key or JWT in any of the usual
// places (?api_key=, ?token=, ?authorization=Bearer%20…, Authorization or X-API-Key headers).

export function createVoiceProtocol(dependencies: WsDependencies): WsProtocol {
  const { config, authenticator, logger } = dependencies;

  async function admit(request: UpgradeRequest): Promise<Admission> {
    const credential = readCredential({ headers: request.headers, query: request.url.searchParams });
    if (credential === undefined) {
      if (config.ALLOW_ANONYMOUS) return { accepted: true, principal: null };
      return {
        accepted: false,
        error: new AppError('AUTH_FAILED', {
          message:
            'Credentials are required: connect with ?api_key=<key> or ?token=<JWT> (or an Authorization header).',
        }),
      };
    }
    try {
      return { accepted: true, principal: await authenticator.authenticate(credential) };
    } catch (error) {
      if (isAppError(error))
        return { accepted: false, error: new AppError('AUTH_FAILED', { message: error.message }) };
      logger.error({ err: error }, 'authenticating a voice connection failed');
      return { accepted: false, error: new AppError('INTERNAL_ERROR', { cause: error }) };
    }
  }

  return {
    name: 'voice',
    match: (pathname) => (pathname === '/ws' || pathname === '/ws/' ? {} : undefined),
    // Audio chunks are larger than chat messages (a second of 16 kHz WAV is ~43 KB in base64).
    maxMessageBytes: config.VOICE_WS_MAX_MESSAGE_BYTES,
    // And more frequent: a browser recorder sends 15 to 50 chunks a second.
    messageRate: {
      limitName: 'LIMIT_VOICE_MESSAGES_PER_SECOND',
      perSecond: config.LIMIT_VOICE_MESSAGES_PER_SECOND,
    },
    admit,
    refuse: refuseVoiceClient,
    open: ({ socket, principal, connectionId }) =>
      new VoiceConnection({ socket, principal, connectionId, dependencies }),
  };
}

/** `{"type":"error",…}` then close: 1013 (try later) over a cap, 1011 for a server fault, else 1008. */
export function refuseVoiceClient(socket: ProtocolSocket, error: AppError): void {
  const message = voiceError(error);
  socket.sendJson(message);
  if (message.code === 'RATE_LIMITED') socket.close(1013, 'Too many connections.');
  else socket.close(error.status >= 500 ? 1011 : 1008, message.code);
}
