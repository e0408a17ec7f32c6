// @ts-check
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'data/', 'dist/', 'coverage/', 'web/.next/', 'web/out/'] },
  eslint.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'off',
    },
  },
  {
    // The engine never imports a transport, a database driver or a vendor SDK (DESIGN.md, Architecture).
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['fastify', 'ws', 'kysely', 'better-sqlite3', 'pg', 'ioredis', 'ai', '@ai-sdk/*'],
              message: 'core/ depends on ports only.',
            },
            {
              group: ['**/transports/**', '**/store/kysely*', '**/models/ai-sdk*'],
              message: 'core/ depends on ports only.',
            },
          ],
        },
      ],
    },
  },
);
