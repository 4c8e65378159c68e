// The differential harness: strategies, serial, loops, results, delegation, async (test/differential/README.md).
import { differential } from './checks.js';
import { EXECUTION } from './corpus.js';

differential(EXECUTION);
