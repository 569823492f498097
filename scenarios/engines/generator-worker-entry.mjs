// Child-process entry of a pool generator: TypeScript runs through tsx's loader, registered
// here so that the child needs no flags from its parent (which may be the CLI, vitest or a bench).
import { register } from 'tsx/esm/api';

register();
await import('./generator-worker.ts');
