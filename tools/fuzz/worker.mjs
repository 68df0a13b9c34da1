// The worker side of the fuzz harness: worker threads do not inherit the main thread's module
// hooks, so the TypeScript loader (tsx) is registered again here before the harness is loaded.
import { register } from 'tsx/esm/api';

register();
await import('./harness.ts');
