#!/usr/bin/env node
// `npx cai …`: the CLI is TypeScript, run through tsx like the server.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
