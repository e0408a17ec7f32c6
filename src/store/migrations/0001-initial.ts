import { sql } from 'kysely';
import type { Kysely, Migration } from 'kysely';

// Portable DDL only (text columns, plain indexes): the same migration runs on SQLite and PostgreSQL.

export const initial: Migration = {
  async up(database: Kysely<unknown>): Promise<void> {
    await database.schema
      .createTable('tenants')
      .addColumn('id', 'text', (column) => column.primaryKey())
      .addColumn('name', 'text', (column) => column.notNull())
      .addColumn('limits', 'text', (column) => column.notNull().defaultTo('{}'))
      .addColumn('created_at', 'text', (column) => column.notNull())
      .execute();

    await database.schema
      .createTable('api_keys')
      .addColumn('id', 'text', (column) => column.primaryKey())
      .addColumn('tenant_id', 'text', (column) =>
        column.notNull().references('tenants.id').onDelete('cascade'),
      )
      .addColumn('prefix', 'text', (column) => column.notNull().unique())
      .addColumn('hash', 'text', (column) => column.notNull())
      .addColumn('created_at', 'text', (column) => column.notNull())
      .addColumn('revoked_at', 'text')
      .execute();
    await database.schema.createIndex('api_keys_tenant_index').on('api_keys').column('tenant_id').execute();

    await database.schema
      .createTable('users')
      .addColumn('tenant_id', 'text', (column) =>
        column.notNull().references('tenants.id').onDelete('cascade'),
      )
      .addColumn('id', 'text', (column) => column.notNull())
      .addColumn('created_at', 'text', (column) => column.notNull())
      .addPrimaryKeyConstraint('users_primary_key', ['tenant_id', 'id'])
      .execute();

    await database.schema
      .createTable('conversations')
      .addColumn('id', 'text', (column) => column.primaryKey())
      .addColumn('tenant_id', 'text', (column) =>
        column.notNull().references('tenants.id').onDelete('cascade'),
      )
      .addColumn('user_id', 'text')
      .addColumn('title', 'text')
      .addColumn('metadata', 'text', (column) => column.notNull().defaultTo('{}'))
      .addColumn('created_at', 'text', (column) => column.notNull())
      .addColumn('updated_at', 'text', (column) => column.notNull())
      .execute();
    await database.schema
      .createIndex('conversations_tenant_user_updated_index')
      .on('conversations')
      .columns(['tenant_id', 'user_id', 'updated_at'])
      .execute();
    // Tenant-wide listings (API keys see every user's conversations) order by updated_at too.
    await database.schema
      .createIndex('conversations_tenant_updated_index')
      .on('conversations')
      .columns(['tenant_id', 'updated_at'])
      .execute();

    await database.schema
      .createTable('messages')
      .addColumn('id', 'text', (column) => column.primaryKey())
      .addColumn('tenant_id', 'text', (column) => column.notNull())
      .addColumn('conversation_id', 'text', (column) =>
        column.notNull().references('conversations.id').onDelete('cascade'),
      )
      .addColumn('role', 'text', (column) => column.notNull())
      .addColumn('content', 'text', (column) => column.notNull())
      .addColumn('status', 'text', (column) => column.notNull())
      .addColumn('model', 'text')
      .addColumn('usage', 'text')
      .addColumn('client_message_id', 'text')
      .addColumn('created_at', 'text', (column) => column.notNull())
      .addColumn('updated_at', 'text', (column) => column.notNull())
      .execute();
    await database.schema
      .createIndex('messages_conversation_index')
      .on('messages')
      .columns(['conversation_id', 'id'])
      .execute();
    // The idempotency key: a repeated client_message_id in one conversation is refused by the database.
    await database.schema
      .createIndex('messages_client_message_unique')
      .on('messages')
      .columns(['conversation_id', 'client_message_id'])
      .unique()
      .where(sql.ref('client_message_id'), 'is not', null)
      .execute();
  },

  async down(database: Kysely<unknown>): Promise<void> {
    await database.schema.dropTable('messages').execute();
    await database.schema.dropTable('conversations').execute();
    await database.schema.dropTable('users').execute();
    await database.schema.dropTable('api_keys').execute();
    await database.schema.dropTable('tenants').execute();
  },
};
