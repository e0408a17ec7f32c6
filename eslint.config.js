// @ts-check
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: ['node_modules/', 'data/', 'dist/', 'coverage/', 'web/.next/', 'web/out/', 'web/next-env.d.ts'],
  },
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
    // Next.js reads its configuration in Node.
    files: ['web/next.config.mjs'],
    languageOptions: { globals: { process: 'readonly' } },
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
