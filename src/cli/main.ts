import { runCli } from './program.ts';

process.exitCode = await runCli({ argv: process.argv });
