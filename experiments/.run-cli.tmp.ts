import { Command } from 'commander';
import { createLogger } from '../lib/logger.ts';
import { registerExperimentCommands } from '../cli/experiment.ts';
const program = new Command('feedscale').exitOverride();
let code = 0;
registerExperimentCommands(program, createLogger('info'), (c) => (code = c));
await program.parseAsync(process.argv);
process.exitCode = code;
