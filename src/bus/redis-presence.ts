import type { Logger } from 'pino';
import type { JsonValue, Presence, PresenceMember } from './bus.ts';
import type { RedisConnection } from './redis-connection.ts';
import type { RedisKeys } from './redis-keys.ts';
import { runScript } from './redis-scripts.ts';

// Presence on Redis. This process remembers the members it set and writes them all again on each
// heartbeat (refresh): that keeps them alive while the process lives, and restores them when Redis
// comes back empty after a restart. A process that dies stops refreshing, and its members lapse.

interface StoredEntry {
  owner: string;
  data: JsonValue;
}

export class RedisPresence implements Presence {
  readonly #connection: RedisConnection;
  readonly #keys: RedisKeys;
  readonly #owner: string;
  readonly #ttlMs: number;
  readonly #logger: Logger;
  /** group → member → the stored entry (JSON), for the heartbeat. */
  readonly #held = new Map<string, Map<string, string>>();

  constructor(options: {
    connection: RedisConnection;
    keys: RedisKeys;
    owner: string;
    ttlMs: number;
    logger: Logger;
  }) {
    this.#connection = options.connection;
    this.#keys = options.keys;
    this.#owner = options.owner;
    this.#ttlMs = options.ttlMs;
    this.#logger = options.logger;
  }

  async set(group: string, member: string, data: JsonValue): Promise<void> {
    const entry = JSON.stringify({ owner: this.#owner, data } satisfies StoredEntry);
    let members = this.#held.get(group);
    if (members === undefined) {
      members = new Map();
      this.#held.set(group, members);
    }
    members.set(member, entry);
    await this.#write(group, member, entry);
  }

  async remove(group: string, member: string): Promise<void> {
    const members = this.#held.get(group);
    if (members?.delete(member) !== true) return;
    if (members.size === 0) this.#held.delete(group);
    await this.#connection
      .run((client) =>
        runScript(
          client,
          'caiPresenceRemove',
          [this.#keys.presenceExpiries(group), this.#keys.presenceData(group)],
          [member, this.#owner],
        ),
      )
      .catch((error: unknown) => {
        // No longer refreshed, so it lapses within the time-to-live anyway.
        this.#logger.debug({ err: error, group }, 'presence removal deferred to its time-to-live');
      });
  }

  async get(group: string, member: string): Promise<JsonValue | undefined> {
    const entry = await this.#connection.run((client) =>
      runScript(
        client,
        'caiPresenceGet',
        [this.#keys.presenceExpiries(group), this.#keys.presenceData(group)],
        [member],
      ),
    );
    return typeof entry === 'string' ? parseEntry(entry).data : undefined;
  }

  async list(group: string): Promise<PresenceMember[]> {
    const flat = (await this.#connection.run((client) =>
      runScript(
        client,
        'caiPresenceList',
        [this.#keys.presenceExpiries(group), this.#keys.presenceData(group)],
        [],
      ),
    )) as string[];
    const members: PresenceMember[] = [];
    for (let index = 0; index + 1 < flat.length; index += 2) {
      members.push({ member: flat[index]!, data: parseEntry(flat[index + 1]!).data });
    }
    return members;
  }

  /** Writes every member this process holds again, extending their time-to-live. */
  async refresh(): Promise<void> {
    const writes: Array<Promise<void>> = [];
    for (const [group, members] of this.#held) {
      for (const [member, entry] of members) writes.push(this.#write(group, member, entry));
    }
    await Promise.all(writes);
  }

  /** Withdraws every member this process holds (a clean shutdown). */
  async removeAll(): Promise<void> {
    const held = [...this.#held].flatMap(([group, members]) =>
      [...members.keys()].map((member) => ({ group, member })),
    );
    await Promise.all(held.map(({ group, member }) => this.remove(group, member)));
  }

  async #write(group: string, member: string, entry: string): Promise<void> {
    await this.#connection.run((client) =>
      runScript(
        client,
        'caiPresenceSet',
        [this.#keys.presenceExpiries(group), this.#keys.presenceData(group)],
        [member, entry, this.#ttlMs],
      ),
    );
  }
}

function parseEntry(text: string): StoredEntry {
  return JSON.parse(text) as StoredEntry;
}
