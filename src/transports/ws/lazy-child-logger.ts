import type { Logger } from 'pino';

/** The part of a logger a connection uses. A pino logger is one. */
export interface ConnectionLogger {
  debug(bindings: object, message: string): void;
  info(bindings: object, message: string): void;
  warn(bindings: object, message: string): void;
  error(bindings: object, message: string): void;
}

/**
 * A child logger made on first use. Most connections never log, and a pino child costs about
 * half a KiB, which counts when a process holds tens of thousands of idle sockets.
 */
export class LazyChildLogger implements ConnectionLogger {
  readonly #parent: Logger;
  readonly #bindings: Record<string, unknown>;
  #child: Logger | undefined;

  constructor(parent: Logger, bindings: Record<string, unknown>) {
    this.#parent = parent;
    this.#bindings = bindings;
  }

  #logger(): Logger {
    return (this.#child ??= this.#parent.child(this.#bindings));
  }

  debug(bindings: object, message: string): void {
    this.#logger().debug(bindings, message);
  }

  info(bindings: object, message: string): void {
    this.#logger().info(bindings, message);
  }

  warn(bindings: object, message: string): void {
    this.#logger().warn(bindings, message);
  }

  error(bindings: object, message: string): void {
    this.#logger().error(bindings, message);
  }
}
