// Row shapes of the tables, as Kysely sees them. Timestamps are ISO-8601 text and JSON is
// text in both dialects, so SQLite and PostgreSQL answer exactly the same values.

export interface TenantsTable {
  id: string;
  name: string;
  /** JSON object: LimitName → number. */
  limits: string;
  created_at: string;
}

export interface ApiKeysTable {
  id: string;
  tenant_id: string;
  prefix: string;
  hash: string;
  created_at: string;
  revoked_at: string | null;
}

export interface UsersTable {
  tenant_id: string;
  id: string;
  created_at: string;
}

export interface ConversationsTable {
  id: string;
  tenant_id: string;
  user_id: string | null;
  title: string | null;
  /** JSON object. */
  metadata: string;
  created_at: string;
  updated_at: string;
}

export interface MessagesTable {
  id: string;
  tenant_id: string;
  conversation_id: string;
  role: string;
  content: string;
  status: string;
  model: string | null;
  /** JSON Usage, or null. */
  usage: string | null;
  client_message_id: string | null;
  created_at: string;
  updated_at: string;
}

export interface Database {
  tenants: TenantsTable;
  api_keys: ApiKeysTable;
  users: UsersTable;
  conversations: ConversationsTable;
  messages: MessagesTable;
}
