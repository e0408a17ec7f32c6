import type { Migration, MigrationProvider } from 'kysely';
import { initial } from './0001-initial.ts';

// Static provider: migrations are code, bundled with the server, one set for both dialects.
// Names sort in the order they run; a published migration is never edited, only followed.
const migrations: Record<string, Migration> = {
  '0001-initial': initial,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
};
