// The differential harness: runs that ansible ends early (test/differential/README.md).
import { differential } from './checks.js';
import { ABORTS } from './corpus.js';

differential(ABORTS);
