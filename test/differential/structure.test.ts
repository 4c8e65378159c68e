// The differential harness: includes, roles, handlers, blocks, meta (test/differential/README.md).
import { differential } from './checks.js';
import { STRUCTURE } from './corpus.js';

differential(STRUCTURE);
