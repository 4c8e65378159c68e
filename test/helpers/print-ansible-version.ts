// vitest globalSetup: names the ansible-core of this pass once at the top of the log, so a CI log
// shows which pass (system 2.14 or OTEL_TEST_ANSIBLE_BIN's 2.19) a failure belongs to.
import { ANSIBLE_BIN, ansibleVersion } from './ansible-version.js';

export default function setup(): void {
  let version: string;
  try {
    version = ansibleVersion(ANSIBLE_BIN);
  } catch (error) {
    version = (error as Error).message; // the tests that need ansible say so themselves
  }
  console.log(`tests drive ${version}${ANSIBLE_BIN ? ` from OTEL_TEST_ANSIBLE_BIN=${ANSIBLE_BIN}` : ' (system PATH)'}`);
}
