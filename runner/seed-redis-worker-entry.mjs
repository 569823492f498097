// Worker-thread entry: TypeScript runs through tsx's loader, which a worker does not inherit.
import { register } from 'tsx/esm/api';

register();
await import('./seed-redis-worker.ts');
