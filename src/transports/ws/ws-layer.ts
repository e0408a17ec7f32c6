import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Principal } from '../../auth/authenticator.ts';
import { AppError, isAppError, toAppError } from '../../core/errors.ts';
import { uuidv7 } from '../../core/ids.ts';
import { ConnectionCounter, type Release } from '../../limits/connection-counter.ts';
import { effectiveLimit } from '../../limits/effective-limit.ts';
import { ConnectionRegistry } from './connection-registry.ts';
import { LazyChildLogger } from './lazy-child-logger.ts';
import { LiveConnection } from './live-connection.ts';
import { MessageRateGate } from './message-rate-gate.ts';
import { isOriginAllowed } from './origin-policy.ts';
import { RevocationSweep } from './revocation-sweep.ts';
import { refuseUpgrade } from './upgrade-refusal.ts';
import { parseUpgradeUrl, upgradeRequestFrom } from './upgrade-request.ts';
import { CLOSE_GOING_AWAY, CLOSE_POLICY, WsConnection } from './ws-connection.ts';
import type { WsDependencies } from './ws-dependencies.ts';
import type { UpgradeRequest, WsProtocol } from './ws-protocol.ts';

// The one WebSocket layer every protocol runs on (on the HTTP server's `upgrade` event): path →
// protocol, Origin check and authentication before any 101, connection caps, then the protocol's
// session on a ProtocolSocket. Message size, message rate, heartbeat, idle timeout, backpressure,
// revocation and shutdown are handled here once, for every protocol.

export interface WsLayerOptions {
  /** The HTTP server to take upgrades from (`fastify.server`). */
  server: Server;
  protocols: WsProtocol[];
  dependencies: Pick<WsDependencies, 'config' | 'logger' | 'store' | 'rateLimits'> &
    Partial<Pick<WsDependencies, 'metrics'>>;
  /** Concurrent-connection counts; in-process unless given (a shared one in distributed mode). */
  connectionCounter?: Pick<ConnectionCounter, 'acquire'>;
  /** How long a closing handshake may take before the socket is destroyed (default 5 s). */
  closeGraceMs?: number;
}

export interface WsLayer {
  /** Open, accepted connections (for /health's active_connections). */
  connectionCount(): number;
  /** Closes every socket the API key opened with 1008; answers how many. */
  closeKey(keyId: string): number;
  /** Asks the store now which open connections' keys are revoked, and closes those. */
  checkRevocations(): Promise<void>;
  /**
   * Shutdown: refuses new upgrades and closes every socket with 1001, stops the timers; settles
   * once all are gone. A connection whose reply is still streaming is closed when the reply ends
   * (the caller interrupts what is left at its drain deadline), so clients get their whole reply.
   */
  close(): Promise<void>;
}

const DEFAULT_CLOSE_GRACE_MS = 5000;
// At shutdown, how often a connection with a streaming reply is checked for having finished.
const BUSY_POLL_MS = 50;
// Over a connection cap: how long a client is asked to wait before trying again.
const CONNECTION_CAP_RETRY_MS = 1000;
// Idle connections are found by one sweep over all of them, a tenth of the shortest timeout apart
// (within these bounds), rather than by a timer per connection: a closed idle connection may thus
// live up to a tenth longer than its timeout.
const IDLE_SWEEP_MIN_MS = 50;
const IDLE_SWEEP_MAX_MS = 1000;

interface Accepted {
  principal: Principal | null;
  release: Release;
  messageRate: { limitName: string; perSecond: number };
}

export function createWsLayer(options: WsLayerOptions): WsLayer {
  const { config, logger, store, rateLimits, metrics } = options.dependencies;
  const counter = options.connectionCounter ?? new ConnectionCounter();
  const closeGraceMs = options.closeGraceMs ?? DEFAULT_CLOSE_GRACE_MS;
  const registry = new ConnectionRegistry<LiveConnection>();
  // Every upgraded socket, refused ones included, so shutdown can close them all.
  const sockets = new Set<WsConnection>();
  const servers = new Map<number, WebSocketServer>();
  let closing = false;

  function webSocketServerFor(maxPayload: number): WebSocketServer {
    let server = servers.get(maxPayload);
    if (server === undefined) {
      // Over maxPayload, ws closes with 1009 before the frame is buffered whole.
      server = new WebSocketServer({
        noServer: true,
        maxPayload,
        clientTracking: false,
        perMessageDeflate: false,
      });
      servers.set(maxPayload, server);
    }
    return server;
  }

  function findProtocol(
    pathname: string,
  ): { protocol: WsProtocol; params: Record<string, string> } | undefined {
    for (const protocol of options.protocols) {
      const params = protocol.match(pathname);
      if (params !== undefined) return { protocol, params };
    }
    return undefined;
  }

  /**
   * Completes the handshake. False when ws refused it instead (a malformed upgrade request: ws
   * answers 400 itself). Without verifyClient, ws decides synchronously.
   */
  function upgrade(
    protocol: WsProtocol,
    upgradeArguments: { request: IncomingMessage; socket: Duplex; head: Buffer },
    connected: (connection: WsConnection) => void,
    onClosed: (code: number) => void,
  ): boolean {
    let upgraded = false;
    webSocketServerFor(protocol.maxMessageBytes).handleUpgrade(
      upgradeArguments.request,
      upgradeArguments.socket,
      upgradeArguments.head,
      (ws: WebSocket) => {
        upgraded = true;
        const connection: WsConnection = new WsConnection({
          ws,
          maxBufferedBytes: config.WS_MAX_BUFFERED_BYTES,
          closeGraceMs,
          logger,
          onClosed,
          onGone: () => sockets.delete(connection),
        });
        sockets.add(connection);
        connected(connection);
      },
    );
    return upgraded;
  }

  /** A refusal in the protocol's own shape: the upgrade completes, the protocol says why and closes. */
  function upgradeAndRefuse(
    protocol: WsProtocol,
    upgradeArguments: { request: IncomingMessage; socket: Duplex; head: Buffer },
    error: AppError,
  ): void {
    upgrade(
      protocol,
      upgradeArguments,
      (connection) => {
        try {
          protocol.refuse(connection, error);
        } catch (refuseError) {
          logger.error({ err: refuseError, protocol: protocol.name }, 'websocket refusal failed');
        }
        // A protocol that forgot to close: the refusal stands all the same.
        if (connection.isOpen) connection.close(CLOSE_POLICY, error.code);
      },
      () => {},
    );
  }

  async function acquireConnection(
    protocol: WsProtocol,
    principal: Principal | null,
    ip: string,
  ): Promise<Accepted | AppError> {
    const tenant =
      principal === null
        ? undefined
        : await store.getTenant(principal.tenantId).catch((error: unknown) => {
            logger.warn({ err: error }, 'tenant lookup for connection limits failed; using the defaults');
            return undefined;
          });
    const messageRate = protocol.messageRate ?? {
      limitName: 'LIMIT_WS_MESSAGES_PER_SECOND',
      perSecond: effectiveLimit(config, tenant, 'LIMIT_WS_MESSAGES_PER_SECOND'),
    };
    if (protocol.ownConnectionCap === true) return { principal, release: () => {}, messageRate };
    const [key, max, who] =
      principal === null
        ? [`ip:${ip}`, config.LIMIT_ANON_CONNECTIONS_PER_IP, 'this address']
        : [
            `tenant:${principal.tenantId}`,
            effectiveLimit(config, tenant, 'LIMIT_CONNECTIONS_PER_TENANT'),
            'this tenant',
          ];
    let release: Release | undefined;
    try {
      release = await counter.acquire(key, max);
    } catch (error) {
      // A shared counter whose store (Redis) is unreachable and that refuses rather than guesses
      // (anonymous use: docs/scaling.md): the client hears why, in the protocol's shape.
      if (!isAppError(error)) throw error;
      logger.warn({ err: error, key }, 'connection cap unavailable: refusing the connection');
      return error;
    }
    if (release === undefined) {
      return new AppError('RATE_LIMITED', {
        message: `Too many concurrent connections for ${who} (at most ${max}); close one and retry.`,
        retryAfterMs: CONNECTION_CAP_RETRY_MS,
      });
    }
    return { principal, release, messageRate };
  }

  function accept(
    protocol: WsProtocol,
    upgradeArguments: { request: IncomingMessage; socket: Duplex; head: Buffer },
    accepted: Accepted,
    request: UpgradeRequest,
  ): void {
    const id = uuidv7();
    const connectionLogger = new LazyChildLogger(logger, { connectionId: id, protocol: protocol.name });
    let live: LiveConnection | undefined;
    // The closures below share one context, which the close handler keeps for the connection's
    // whole life: it must not hold the upgrade request (its URL and headers are ~1 KB a socket).
    let pendingRequest: UpgradeRequest | undefined = request;
    const upgraded = upgrade(
      protocol,
      upgradeArguments,
      (connection) => {
        live = new LiveConnection({
          id,
          protocol,
          principal: accepted.principal,
          connection,
          gate: new MessageRateGate({
            rateLimits,
            connectionId: id,
            limitName: accepted.messageRate.limitName,
            limit: accepted.messageRate.perSecond,
          }),
          idleTimeoutMs: protocol.idleTimeoutMs ?? config.WS_IDLE_TIMEOUT_MS,
          logger: connectionLogger,
        });
        registry.add(live);
        metrics?.wsConnections.inc({ protocol: protocol.name });
        const startRequest = pendingRequest!;
        pendingRequest = undefined;
        live.start(startRequest);
      },
      (code) => {
        accepted.release();
        if (live === undefined) return;
        registry.remove(live);
        metrics?.wsConnections.dec({ protocol: protocol.name });
        live.ended(code);
      },
    );
    if (!upgraded) accepted.release();
  }

  async function handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    if (closing) {
      refuseUpgrade(socket, {
        status: 503,
        code: 'SERVICE_UNAVAILABLE',
        message: 'The server is shutting down.',
      });
      return;
    }
    const url = parseUpgradeUrl(request);
    const found = url === undefined ? undefined : findProtocol(url.pathname);
    if (url === undefined || found === undefined) {
      refuseUpgrade(socket, {
        status: 404,
        code: 'NOT_FOUND',
        message: 'No WebSocket endpoint at this path.',
      });
      return;
    }
    if (!isOriginAllowed(request.headers.origin, config.ALLOWED_ORIGINS)) {
      refuseUpgrade(socket, {
        status: 403,
        code: 'FORBIDDEN',
        message: 'This origin may not open a WebSocket here.',
      });
      return;
    }
    const { protocol, params } = found;
    const upgradeRequest = upgradeRequestFrom({ request, url, params, trustProxy: config.TRUST_PROXY });
    const upgradeArguments = { request, socket, head };
    const admission = await protocol.admit(upgradeRequest).catch((error: unknown) => {
      logger.error({ err: error, protocol: protocol.name }, 'websocket admission failed');
      return { accepted: false as const, error: toAppError(error) };
    });
    if (socket.destroyed) return;
    if (closing) {
      refuseUpgrade(socket, {
        status: 503,
        code: 'SERVICE_UNAVAILABLE',
        message: 'The server is shutting down.',
      });
      return;
    }
    if (!admission.accepted) {
      upgradeAndRefuse(protocol, upgradeArguments, admission.error);
      return;
    }
    const accepted = await acquireConnection(protocol, admission.principal, upgradeRequest.ip);
    if (accepted instanceof AppError) {
      if (!socket.destroyed) upgradeAndRefuse(protocol, upgradeArguments, accepted);
      return;
    }
    if (socket.destroyed || closing) {
      accepted.release();
      refuseUpgrade(socket, {
        status: 503,
        code: 'SERVICE_UNAVAILABLE',
        message: 'The server is shutting down.',
      });
      return;
    }
    accept(protocol, upgradeArguments, accepted, upgradeRequest);
  }

  function onUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    // Until ws takes the socket over, its errors (a client resetting mid-handshake) are ours to absorb.
    socket.on('error', (error) => logger.debug({ err: error }, 'upgrade socket error'));
    handleUpgrade(request, socket, head).catch((error: unknown) => {
      logger.error({ err: error }, 'websocket upgrade failed');
      socket.destroy();
    });
  }
  options.server.on('upgrade', onUpgrade);

  const heartbeat = setInterval(() => {
    for (const live of registry.all()) live.heartbeat();
  }, config.WS_HEARTBEAT_MS);
  heartbeat.unref();

  // The shortest timeout any protocol uses sets how often the sweep looks.
  const shortestIdleMs = Math.min(
    ...[
      config.WS_IDLE_TIMEOUT_MS,
      ...options.protocols.map((protocol) => protocol.idleTimeoutMs ?? 0),
    ].filter((milliseconds) => milliseconds > 0),
  );
  const idleSweep = Number.isFinite(shortestIdleMs)
    ? setInterval(
        () => {
          const now = performance.now();
          // checkIdle may close a connection, which leaves the registry at once: a Map allows that mid-iteration.
          for (const live of registry.values()) live.checkIdle(now);
        },
        Math.min(IDLE_SWEEP_MAX_MS, Math.max(IDLE_SWEEP_MIN_MS, shortestIdleMs / 10)),
      )
    : undefined;
  idleSweep?.unref();

  function closeKey(keyId: string): number {
    const connections = registry.ofKey(keyId);
    for (const live of connections) live.close(CLOSE_POLICY, 'credential revoked');
    if (connections.length > 0)
      logger.info({ keyId, closed: connections.length }, "closed a revoked key's sockets");
    return connections.length;
  }

  const sweep = new RevocationSweep({
    store,
    intervalMs: config.REVOCATION_CHECK_MS,
    openKeyIds: () => registry.keyIds(),
    closeKey,
    logger,
  });

  let closed: Promise<void> | undefined;
  return {
    connectionCount: () => registry.size,
    closeKey,
    checkRevocations: () => sweep.sweep(),
    close() {
      closed ??= (async () => {
        closing = true;
        clearInterval(heartbeat);
        clearInterval(idleSweep);
        sweep.stop();
        const open = [...sockets];
        const busy = new Set(
          registry
            .all()
            .filter((live) => live.busy)
            .map((live) => live.connection),
        );
        for (const connection of open) {
          if (!busy.has(connection)) connection.close(CLOSE_GOING_AWAY, 'server shutting down');
        }
        await Promise.all([
          ...[...busy].map(async (connection) => {
            const live = registry.all().find((candidate) => candidate.connection === connection);
            while (live?.busy === true && connection.isOpen) await sleep(BUSY_POLL_MS);
            connection.close(CLOSE_GOING_AWAY, 'server shutting down');
          }),
          ...open.map((connection) => connection.whenGone()),
        ]);
        for (const protocol of options.protocols) protocol.shutdown?.();
        // The upgrade listener stays: a late upgrade is answered 503 rather than left to HTTP routing.
        for (const server of servers.values()) server.close();
      })();
      return closed;
    },
  };
}
