import { Command, CommanderError } from 'commander';
import { readEnvironment } from '../config.ts';
import { withCliContext, type CliIo } from './cli-context.ts';
import { describeFailure } from './cli-errors.ts';
import { addKeyCommands } from './key-commands.ts';
import { addTenantCommands, type RunWithContext } from './tenant-commands.ts';
import { addTokenCommand } from './token-command.ts';

export interface RunCliOptions {
  /** Like `process.argv`: the first two entries are the node binary and the script. */
  argv: string[];
  environment?: Record<string, string | undefined>;
  io?: CliIo;
}

const processIo: CliIo = {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
};

/** Runs one `cai` command; answers the exit code instead of exiting, so output is never cut short. */
export async function runCli(options: RunCliOptions): Promise<number> {
  const io = options.io ?? processIo;
  const environment = options.environment ?? readEnvironment();
  const run: RunWithContext = (action) => withCliContext({ environment, io }, action);

  const program = new Command('cai')
    .description('Administer a cai server: tenants, API keys, tokens and limits')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.out(text.replace(/\n$/, '')),
      writeErr: (text) => io.err(text.replace(/\n$/, '')),
    });
  addTenantCommands(program, run);
  addKeyCommands(program, run);
  addTokenCommand(program, run);

  try {
    await program.parseAsync(options.argv);
    return 0;
  } catch (error) {
    // Commander has already printed its own usage message.
    if (error instanceof CommanderError) return error.exitCode;
    io.err(`cai: ${describeFailure(error)}`);
    return 1;
  }
}
