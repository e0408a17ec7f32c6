import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import type {
  ApiKeyRecord,
  Conversation,
  LimitName,
  Message,
  MessageStatus,
  Page,
  PageResult,
  Scope,
  Tenant,
} from '../core/domain.ts';
import { AppError } from '../core/errors.ts';
import { uuidv7 } from '../core/ids.ts';
import type { ConversationsTable, Database, MessagesTable } from './database.ts';
import { toApiKey, toConversation, toMessage, toTenant } from './row-mappers.ts';
import type { AppendResult, NewConversation, NewMessage, Store } from './store.ts';
import { kyselyRunner, type QueryRunner, type TransactionalRunner } from './query-runner.ts';
import type { DirectSqliteRunner, SyncQueryRunner } from './sqlite-direct-runner.ts';
import { prepareTurnQueries, runScoped, runScopedNow, type TurnQueries } from './turn-queries.ts';
import {
  batchedWritesNow,
  separateTransactions,
  type WriteNowQueue,
  type WriteOutcome,
  type WriteQueue,
} from './write-queue.ts';
import { isUniqueViolation } from './unique-violation.ts';

// One Store over Kysely for both SQLite and PostgreSQL: the queries are portable (text columns,
// ON CONFLICT, no RETURNING), so what differs is tiny: a count comes back as a number or a
// string (Number() takes both), and only PostgreSQL needs a row lock for read-modify-write.

export interface KyselyStoreOptions {
  database: Kysely<Database>;
  dialect: 'sqlite' | 'postgres';
  /** Runs before the database is closed (stops what works on it beside the store). */
  beforeClose?: () => Promise<void>;
  /**
   * SQLite: better-sqlite3 directly (sqlite-direct-runner.ts), which runs a chat turn's prepared
   * queries (turn-queries.ts) instead of Kysely's executor, and its writes synchronously.
   */
  sqlite?: DirectSqliteRunner;
}

const REVOKED_LOOKUP_SLICE = 500;
/** A write with nothing to answer but that it committed. */
const WRITTEN = { value: undefined };

function timestamp(): string {
  return new Date().toISOString();
}

function conversationRow(scope: Scope, input: NewConversation, now: string): ConversationsTable {
  return {
    id: input.id ?? uuidv7(),
    tenant_id: scope.tenantId,
    // A user-scoped caller only ever creates its own user's conversations.
    user_id: scope.userId ?? input.userId,
    title: input.title ?? null,
    metadata: JSON.stringify(input.metadata ?? {}),
    created_at: now,
    updated_at: now,
  };
}

function messageRow(scope: Scope, input: NewMessage, now: string): MessagesTable {
  return {
    id: input.id ?? uuidv7(),
    tenant_id: scope.tenantId,
    conversation_id: input.conversationId,
    role: input.role,
    content: input.content,
    status: input.status,
    model: input.model ?? null,
    usage: input.usage == null ? null : JSON.stringify(input.usage),
    client_message_id: input.clientMessageId ?? null,
    created_at: now,
    updated_at: now,
  };
}

/** The conversations a scope may see: its tenant's, and only its own user's when it has one. */
function scopedConversations(database: Kysely<Database>, scope: Scope) {
  let query = database.selectFrom('conversations').where('tenant_id', '=', scope.tenantId);
  if (scope.userId !== undefined) query = query.where('user_id', '=', scope.userId);
  return query;
}

/** The messages of one conversation, empty when that conversation is not in scope. */
function scopedMessages(database: Kysely<Database>, options: { scope: Scope; conversationId: string }) {
  return database
    .selectFrom('messages')
    .where('tenant_id', '=', options.scope.tenantId)
    .where('conversation_id', '=', options.conversationId)
    .where(
      'conversation_id',
      'in',
      scopedConversations(database, options.scope).where('id', '=', options.conversationId).select('id'),
    );
}

/** The values of the conversation's bump before a message is appended (turn-queries.ts). */
function bumpOf(scope: Scope, input: NewMessage, now: string) {
  return {
    scope,
    values: { tenantId: scope.tenantId, conversationId: input.conversationId, updatedAt: now },
  };
}

/** The values that find a message by its client_message_id (turn-queries.ts). */
function byClientMessageId(scope: Scope, input: NewMessage, clientMessageId: string) {
  return {
    scope,
    values: { tenantId: scope.tenantId, conversationId: input.conversationId, clientMessageId },
  };
}

export class KyselyStore implements Store {
  #closing: Promise<void> | undefined;
  readonly dialect: 'sqlite' | 'postgres';
  readonly #database: Kysely<Database>;
  /** A chat turn's queries, compiled once (the others are built per call: they are rare). */
  readonly #queries: TurnQueries;
  /** What runs #queries outside a transaction. */
  readonly #runner: TransactionalRunner;
  readonly #beforeClose: (() => Promise<void>) | undefined;
  /**
   * How a turn's writes reach the database (write-queue.ts): on SQLite at once and sharing
   * transactions (#writesNow), on PostgreSQL each in its own (#writes).
   */
  readonly #writesNow: WriteNowQueue | undefined;
  readonly #writes: WriteQueue;

  constructor(options: KyselyStoreOptions) {
    this.#database = options.database;
    this.dialect = options.dialect;
    this.#queries = prepareTurnQueries(options.database);
    this.#runner = options.sqlite ?? kyselyRunner(options.database);
    this.#beforeClose = options.beforeClose;
    this.#writesNow = options.sqlite === undefined ? undefined : batchedWritesNow(options.sqlite);
    this.#writes = separateTransactions(this.#runner);
  }

  async createTenant(input: { name: string; id?: string }): Promise<Tenant> {
    const row = { id: input.id ?? uuidv7(), name: input.name, limits: '{}', created_at: timestamp() };
    await this.#database.insertInto('tenants').values(row).execute();
    return toTenant(row);
  }

  async getTenant(tenantId: string): Promise<Tenant | undefined> {
    const { rows } = await this.#queries.tenantById.execute(this.#runner, { tenantId });
    return rows[0] === undefined ? undefined : toTenant(rows[0]);
  }

  async setTenantLimit(tenantId: string, name: LimitName, value: number | null): Promise<Tenant | undefined> {
    return this.#database.transaction().execute(async (transaction) => {
      const row = await transaction
        .selectFrom('tenants')
        .selectAll()
        .where('id', '=', tenantId)
        // Read-modify-write: PostgreSQL needs the row lock; SQLite's `begin immediate` already serialises.
        .$if(this.dialect === 'postgres', (query) => query.forUpdate())
        .executeTakeFirst();
      if (row === undefined) return undefined;
      const limits = JSON.parse(row.limits) as Record<string, number>;
      if (value === null) delete limits[name];
      else limits[name] = value;
      const updated = { ...row, limits: JSON.stringify(limits) };
      await transaction
        .updateTable('tenants')
        .set({ limits: updated.limits })
        .where('id', '=', tenantId)
        .execute();
      return toTenant(updated);
    });
  }

  async createApiKey(input: { tenantId: string; prefix: string; hash: string }): Promise<ApiKeyRecord> {
    const row = {
      id: uuidv7(),
      tenant_id: input.tenantId,
      prefix: input.prefix,
      hash: input.hash,
      created_at: timestamp(),
      revoked_at: null,
    };
    try {
      await this.#database.insertInto('api_keys').values(row).execute();
    } catch (error) {
      if (isUniqueViolation(error))
        throw new AppError('CONFLICT', { message: 'That key prefix is taken.', cause: error });
      throw error;
    }
    return toApiKey(row);
  }

  async findApiKeyByPrefix(prefix: string): Promise<ApiKeyRecord | undefined> {
    const { rows } = await this.#queries.apiKeyByPrefix.execute(this.#runner, { prefix });
    return rows[0] === undefined ? undefined : toApiKey(rows[0]);
  }

  async revokeApiKey(keyId: string): Promise<ApiKeyRecord | undefined> {
    // A second revocation keeps the first one's time.
    await this.#database
      .updateTable('api_keys')
      .set({ revoked_at: timestamp() })
      .where('id', '=', keyId)
      .where('revoked_at', 'is', null)
      .execute();
    const row = await this.#database
      .selectFrom('api_keys')
      .selectAll()
      .where('id', '=', keyId)
      .executeTakeFirst();
    return row === undefined ? undefined : toApiKey(row);
  }

  async revokedApiKeyIds(keyIds: string[]): Promise<string[]> {
    const unique = [...new Set(keyIds)];
    const revoked: string[] = [];
    // In slices, to stay well under either database's limit on bound parameters.
    for (let start = 0; start < unique.length; start += REVOKED_LOOKUP_SLICE) {
      const rows = await this.#database
        .selectFrom('api_keys')
        .select('id')
        .where('id', 'in', unique.slice(start, start + REVOKED_LOOKUP_SLICE))
        .where('revoked_at', 'is not', null)
        .execute();
      for (const row of rows) revoked.push(row.id);
    }
    return revoked;
  }

  async ensureUser(tenantId: string, userId: string): Promise<{ created: boolean }> {
    const result = await this.#database
      .insertInto('users')
      .values({ tenant_id: tenantId, id: userId, created_at: timestamp() })
      .onConflict((conflict) => conflict.columns(['tenant_id', 'id']).doNothing())
      .executeTakeFirst();
    return { created: Number(result.numInsertedOrUpdatedRows ?? 0) > 0 };
  }

  async createConversation(scope: Scope, input: NewConversation): Promise<Conversation> {
    const row = conversationRow(scope, input, timestamp());
    try {
      await this.#queries.insertConversation.execute(this.#runner, row);
    } catch (error) {
      if (isUniqueViolation(error))
        throw new AppError('CONFLICT', { message: 'That conversation id is taken.', cause: error });
      throw error;
    }
    return toConversation(row);
  }

  async createConversationWithMessage(
    scope: Scope,
    input: { conversation: NewConversation; message: Omit<NewMessage, 'conversationId'> },
  ): Promise<{ conversation: Conversation; message: Message }> {
    const now = timestamp();
    const conversation = conversationRow(scope, input.conversation, now);
    // The conversation is made at the message's time: no bump needed, nothing to check in scope.
    const message = messageRow(scope, { ...input.message, conversationId: conversation.id }, now);
    try {
      if (this.#writesNow === undefined) {
        await this.#writes.run(async (transaction) => {
          await this.#queries.insertConversation.execute(transaction, conversation);
          await this.#queries.insertMessage.execute(transaction, message);
          return WRITTEN;
        });
      } else {
        await this.#writesNow.run((transaction) => {
          this.#queries.insertConversation.run(transaction, conversation);
          this.#queries.insertMessage.run(transaction, message);
          return WRITTEN;
        });
      }
    } catch (error) {
      if (isUniqueViolation(error))
        throw new AppError('CONFLICT', {
          message: 'That conversation or message id is taken.',
          cause: error,
        });
      throw error;
    }
    return { conversation: toConversation(conversation), message: toMessage(message) };
  }

  async getConversation(scope: Scope, conversationId: string): Promise<Conversation | undefined> {
    const { rows } = await runScoped(this.#runner, this.#queries.conversation, {
      scope,
      values: { tenantId: scope.tenantId, conversationId },
    });
    return rows[0] === undefined ? undefined : toConversation(rows[0]);
  }

  async listConversations(
    scope: Scope,
    filter: { userId?: string },
    page: Page,
  ): Promise<PageResult<Conversation>> {
    let query = scopedConversations(this.#database, scope);
    if (filter.userId !== undefined) query = query.where('user_id', '=', filter.userId);
    const [counted, rows] = await Promise.all([
      query.select((builder) => builder.fn.countAll().as('count')).executeTakeFirstOrThrow(),
      query
        .selectAll()
        .orderBy('updated_at', page.order)
        .orderBy('id', page.order)
        .limit(page.limit)
        .offset(page.offset)
        .execute(),
    ]);
    return { items: rows.map(toConversation), total: Number(counted.count) };
  }

  async deleteConversation(scope: Scope, conversationId: string): Promise<boolean> {
    return this.#database.transaction().execute(async (transaction) => {
      const found = await scopedConversations(transaction, scope)
        .select('id')
        .where('id', '=', conversationId)
        .executeTakeFirst();
      if (found === undefined) return false;
      await transaction
        .deleteFrom('messages')
        .where('conversation_id', '=', conversationId)
        .where('tenant_id', '=', scope.tenantId)
        .execute();
      await transaction
        .deleteFrom('conversations')
        .where('id', '=', conversationId)
        .where('tenant_id', '=', scope.tenantId)
        .execute();
      return true;
    });
  }

  async amendMessage(
    scope: Scope,
    input: { conversationId: string; messageId: string; content: string; status: MessageStatus },
  ): Promise<Message | undefined> {
    const updated = await this.#database
      .updateTable('messages')
      .set({ content: input.content, status: input.status, updated_at: timestamp() })
      .where('id', '=', input.messageId)
      .where(
        'id',
        'in',
        scopedMessages(this.#database, { scope, conversationId: input.conversationId }).select('id'),
      )
      .returningAll()
      .executeTakeFirst();
    return updated === undefined ? undefined : toMessage(updated);
  }

  async appendMessage(scope: Scope, input: NewMessage): Promise<AppendResult> {
    const clientMessageId = input.clientMessageId ?? null;
    try {
      return await (this.#writesNow === undefined
        ? this.#writes.run((transaction) => this.#append(transaction, scope, input))
        : this.#writesNow.run((transaction) => this.#appendNow(transaction, scope, input)));
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      // A concurrent twin committed the same client_message_id first (PostgreSQL, READ COMMITTED).
      if (clientMessageId !== null) {
        const existing = await this.#findByClientMessageId(this.#runner, { scope, input, clientMessageId });
        if (existing !== undefined) return { created: false, message: existing };
      }
      throw new AppError('CONFLICT', { message: 'That message id is taken.', cause: error });
    }
  }

  /** appendMessage's transaction: refuses before it writes anything, as a shared one needs. */
  async #append(
    transaction: QueryRunner,
    scope: Scope,
    input: NewMessage,
  ): Promise<WriteOutcome<AppendResult>> {
    const clientMessageId = input.clientMessageId ?? null;
    // A resend is answered with what was stored (scoped: nothing is found out of scope).
    if (clientMessageId !== null) {
      const existing = await this.#findByClientMessageId(transaction, { scope, input, clientMessageId });
      if (existing !== undefined) return { value: { created: false, message: existing } };
    }
    const now = timestamp();
    // The scope check and the conversation's bump in one statement: no row updated means the
    // conversation is not in scope (one query fewer on every message).
    const bumped = await runScoped(transaction, this.#queries.bumpConversation, bumpOf(scope, input, now));
    if (Number(bumped.numAffectedRows ?? 0) === 0) return { refusal: new AppError('CHAT_NOT_FOUND') };
    const row = messageRow(scope, input, now);
    await this.#queries.insertMessage.execute(transaction, row);
    return { value: { created: true, message: toMessage(row) } };
  }

  /** #append on SQLite's direct path: the same statements, run at once. */
  #appendNow(transaction: SyncQueryRunner, scope: Scope, input: NewMessage): WriteOutcome<AppendResult> {
    const clientMessageId = input.clientMessageId ?? null;
    if (clientMessageId !== null) {
      const { rows } = runScopedNow(
        transaction,
        this.#queries.messageByClientId,
        byClientMessageId(scope, input, clientMessageId),
      );
      if (rows[0] !== undefined) return { value: { created: false, message: toMessage(rows[0]) } };
    }
    const now = timestamp();
    const bumped = runScopedNow(transaction, this.#queries.bumpConversation, bumpOf(scope, input, now));
    if (Number(bumped.numAffectedRows ?? 0) === 0) return { refusal: new AppError('CHAT_NOT_FOUND') };
    const row = messageRow(scope, input, now);
    this.#queries.insertMessage.run(transaction, row);
    return { value: { created: true, message: toMessage(row) } };
  }

  async #findByClientMessageId(
    database: QueryRunner,
    options: { scope: Scope; input: NewMessage; clientMessageId: string },
  ): Promise<Message | undefined> {
    const { rows } = await runScoped(
      database,
      this.#queries.messageByClientId,
      byClientMessageId(options.scope, options.input, options.clientMessageId),
    );
    return rows[0] === undefined ? undefined : toMessage(rows[0]);
  }

  async listMessages(scope: Scope, conversationId: string, page: Page): Promise<PageResult<Message>> {
    const query = scopedMessages(this.#database, { scope, conversationId });
    const [counted, rows] = await Promise.all([
      query.select((builder) => builder.fn.countAll().as('count')).executeTakeFirstOrThrow(),
      query.selectAll().orderBy('id', page.order).limit(page.limit).offset(page.offset).execute(),
    ]);
    return { items: rows.map(toMessage), total: Number(counted.count) };
  }

  async recentMessages(scope: Scope, conversationId: string, limit: number): Promise<Message[]> {
    if (limit <= 0) return [];
    const { rows } = await runScoped(this.#runner, this.#queries.recentMessages, {
      scope,
      values: { tenantId: scope.tenantId, conversationId, limit },
    });
    return rows.reverse().map(toMessage);
  }

  async ping(): Promise<void> {
    await sql`select 1`.execute(this.#database);
  }

  /** Safe to call more than once (pg's Pool.end throws the second time). */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      await this.#beforeClose?.();
      await this.#database.destroy();
    })();
    return this.#closing;
  }
}
