import type { Logger } from 'pino';
import type { JsonValue, MessageHandler } from './bus.ts';

// Hands one message to each handler of a channel. A handler that throws or rejects is logged and
// the others still run: one faulty subscriber must not silence a channel or crash the process.

export function dispatch(
  handlers: Iterable<MessageHandler>,
  message: JsonValue,
  context: { channel: string; logger: Logger },
): void {
  for (const handler of handlers) {
    try {
      const result = handler(message);
      if (result instanceof Promise) {
        result.catch((error: unknown) => reportHandlerFailure(error, context));
      }
    } catch (error) {
      reportHandlerFailure(error, context);
    }
  }
}

function reportHandlerFailure(error: unknown, context: { channel: string; logger: Logger }): void {
  context.logger.error({ err: error, channel: context.channel }, 'bus message handler failed');
}
