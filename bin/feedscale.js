#!/usr/bin/env node
// The feedscale command. TypeScript sources run through tsx's loader: no build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../cli/main.ts');
process.exitCode = await main(process.argv);
// Everything of the command has ended (its stack torn down, its output written). A handle left
// open by a call that never answered (a wedged Docker engine) must not keep the process alive.
setTimeout(() => process.exit(), 10_000).unref();
