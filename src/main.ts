import { buildApp } from './app.ts';
import { ConfigError, loadConfig } from './config.ts';

// `npm start`: embedded mode with no settings at all; every setting comes from the environment
// or `.env` (docs/configuration.md).

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
  const app = await buildApp({ config });
  const address = await app.listen();
  app.logger.info(
    { address, database: config.DATABASE_URL.split(':')[0], models: app.models.list().map((m) => m.name) },
    'cai is listening',
  );

  const stop = (signal: NodeJS.Signals) => {
    app.logger.info({ signal }, 'signal received');
    app.shutdown().then(
      () => process.exit(0),
      (error: unknown) => {
        app.logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((error: unknown) => {
  console.error('cai failed to start:', error instanceof Error ? error.message : error);
  process.exit(1);
});
