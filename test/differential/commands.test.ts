// The differential harness: command-line options, several playbooks, ad-hoc commands (test/differential/README.md).
import { differential } from './checks.js';
import { ADHOC, COMMANDS } from './corpus.js';

differential([...COMMANDS, ...ADHOC]);
