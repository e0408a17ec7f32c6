// The open connections, found by id, by the API key that opened them (revocation closes those),
// and by tenant.

export interface RegisteredConnection {
  readonly id: string;
  readonly protocolName: string;
  readonly keyId: string | undefined;
  readonly tenantId: string | undefined;
}

export class ConnectionRegistry<Connection extends RegisteredConnection> {
  readonly #byId = new Map<string, Connection>();
  readonly #byKeyId = new Map<string, Set<Connection>>();

  get size(): number {
    return this.#byId.size;
  }

  add(connection: Connection): void {
    this.#byId.set(connection.id, connection);
    if (connection.keyId === undefined) return;
    let set = this.#byKeyId.get(connection.keyId);
    if (set === undefined) this.#byKeyId.set(connection.keyId, (set = new Set()));
    set.add(connection);
  }

  remove(connection: Connection): void {
    if (this.#byId.get(connection.id) !== connection) return;
    this.#byId.delete(connection.id);
    if (connection.keyId === undefined) return;
    const set = this.#byKeyId.get(connection.keyId);
    set?.delete(connection);
    if (set?.size === 0) this.#byKeyId.delete(connection.keyId);
  }

  all(): Connection[] {
    return [...this.#byId.values()];
  }

  /** Every connection, without a copy: for periodic sweeps that must not remove while iterating. */
  values(): IterableIterator<Connection> {
    return this.#byId.values();
  }

  /** The distinct API key ids with a connection open. */
  keyIds(): string[] {
    return [...this.#byKeyId.keys()];
  }

  ofKey(keyId: string): Connection[] {
    return [...(this.#byKeyId.get(keyId) ?? [])];
  }

  ofTenant(tenantId: string): Connection[] {
    return this.all().filter((connection) => connection.tenantId === tenantId);
  }
}
