import type { Compilable, InsertResult, Kysely, QueryResult, Selectable, UpdateResult } from 'kysely';
import type { Scope } from '../core/domain.ts';
import type { ApiKeysTable, ConversationsTable, Database, MessagesTable, TenantsTable } from './database.ts';
import { prepareQuery, type PlaceholderFactory, type PreparedQuery } from './prepared-query.ts';
import type { QueryRunner } from './query-runner.ts';
import type { SyncQueryRunner } from './sqlite-direct-runner.ts';

// The queries of every chat turn (and of every request's authentication, when it is not cached),
// prepared once per database (prepared-query.ts). Each scoped query comes in two shapes: for a
// whole tenant, and for one user of it (a JWT), which adds the user to every condition.

const CONVERSATION_COLUMNS = [
  'id',
  'tenant_id',
  'user_id',
  'title',
  'metadata',
  'created_at',
  'updated_at',
] as const satisfies ReadonlyArray<keyof ConversationsTable>;

const MESSAGE_COLUMNS = [
  'id',
  'tenant_id',
  'conversation_id',
  'role',
  'content',
  'status',
  'model',
  'usage',
  'client_message_id',
  'created_at',
  'updated_at',
] as const satisfies ReadonlyArray<keyof MessagesTable>;

/** One shape for a tenant-wide scope, one for a user's. */
export interface ScopedQuery<Values extends object, Row> {
  tenant: PreparedQuery<Values, Row>;
  user: PreparedQuery<Values & { userId: string }, Row>;
}

/** Runs the shape of `query` that fits `scope`. */
export function runScoped<Values extends object, Row>(
  runner: QueryRunner,
  query: ScopedQuery<Values, Row>,
  options: { scope: Scope; values: Values },
): Promise<QueryResult<Row>> {
  const { scope, values } = options;
  return scope.userId === undefined
    ? query.tenant.execute(runner, values)
    : query.user.execute(runner, { ...values, userId: scope.userId });
}

/** runScoped, at once, inside a transaction of the direct SQLite path. */
export function runScopedNow<Values extends object, Row>(
  runner: SyncQueryRunner,
  query: ScopedQuery<Values, Row>,
  options: { scope: Scope; values: Values },
): QueryResult<Row> {
  const { scope, values } = options;
  return scope.userId === undefined
    ? query.tenant.run(runner, values)
    : query.user.run(runner, { ...values, userId: scope.userId });
}

/** Every column of a row as a placeholder of the same name. */
function placeholderRow<Row extends object>(
  columns: ReadonlyArray<keyof Row & string>,
  placeholder: PlaceholderFactory<Row>,
): Row {
  return Object.fromEntries(columns.map((column) => [column, placeholder(column)])) as Row;
}

export type TurnQueries = ReturnType<typeof prepareTurnQueries>;

export function prepareTurnQueries(database: Kysely<Database>) {
  type ConversationKey = { tenantId: string; conversationId: string };
  type UserValue = { userId: string };

  /** The conversations a scope may see, as in the store's builder queries. */
  const conversationsOf = (
    placeholder: PlaceholderFactory<ConversationKey & UserValue>,
    withUser: boolean,
  ) => {
    const query = database.selectFrom('conversations').where('tenant_id', '=', placeholder('tenantId'));
    return withUser ? query.where('user_id', '=', placeholder('userId')) : query;
  };
  /** The messages of one conversation, none when the conversation is out of scope. */
  const messagesOf = (placeholder: PlaceholderFactory<ConversationKey & UserValue>, withUser: boolean) =>
    database
      .selectFrom('messages')
      .where('tenant_id', '=', placeholder('tenantId'))
      .where('conversation_id', '=', placeholder('conversationId'))
      .where(
        'conversation_id',
        'in',
        conversationsOf(placeholder, withUser).where('id', '=', placeholder('conversationId')).select('id'),
      );

  function scoped<Values extends object, Row>(
    build: (placeholder: PlaceholderFactory<Values & UserValue>, withUser: boolean) => Compilable<Row>,
  ): ScopedQuery<Values, Row> {
    return {
      // Without the user, no placeholder asks for `userId`.
      tenant: prepareQuery<Values, Row>((placeholder) =>
        build(placeholder as PlaceholderFactory<Values & UserValue>, false),
      ),
      user: prepareQuery<Values & UserValue, Row>((placeholder) => build(placeholder, true)),
    };
  }

  return {
    apiKeyByPrefix: prepareQuery<{ prefix: string }, Selectable<ApiKeysTable>>((placeholder) =>
      database.selectFrom('api_keys').selectAll().where('prefix', '=', placeholder('prefix')),
    ),
    tenantById: prepareQuery<{ tenantId: string }, Selectable<TenantsTable>>((placeholder) =>
      database.selectFrom('tenants').selectAll().where('id', '=', placeholder('tenantId')),
    ),
    insertConversation: prepareQuery<ConversationsTable, InsertResult>((placeholder) =>
      database.insertInto('conversations').values(placeholderRow(CONVERSATION_COLUMNS, placeholder)),
    ),
    insertMessage: prepareQuery<MessagesTable, InsertResult>((placeholder) =>
      database.insertInto('messages').values(placeholderRow(MESSAGE_COLUMNS, placeholder)),
    ),
    conversation: scoped<ConversationKey, Selectable<ConversationsTable>>((placeholder, withUser) =>
      conversationsOf(placeholder, withUser).selectAll().where('id', '=', placeholder('conversationId')),
    ),
    /** Bumps `updated_at`; no row updated means the conversation is not in scope. */
    bumpConversation: scoped<ConversationKey & { updatedAt: string }, UpdateResult>(
      (placeholder, withUser) => {
        const query = database
          .updateTable('conversations')
          .set({ updated_at: placeholder('updatedAt') })
          .where('id', '=', placeholder('conversationId'))
          .where('tenant_id', '=', placeholder('tenantId'));
        return withUser ? query.where('user_id', '=', placeholder('userId')) : query;
      },
    ),
    messageByClientId: scoped<ConversationKey & { clientMessageId: string }, Selectable<MessagesTable>>(
      (placeholder, withUser) =>
        messagesOf(placeholder, withUser)
          .selectAll()
          .where('client_message_id', '=', placeholder('clientMessageId')),
    ),
    recentMessages: scoped<ConversationKey & { limit: number }, Selectable<MessagesTable>>(
      (placeholder, withUser) =>
        messagesOf(placeholder, withUser).selectAll().orderBy('id', 'desc').limit(placeholder('limit')),
    ),
  };
}
