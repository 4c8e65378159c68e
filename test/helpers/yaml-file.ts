// A repository YAML file as plain data, through Debian's python3-yaml (shipped with ansible-core),
// so the tests need no YAML parser of their own.
import { execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '..', '..');

export function readYaml(file: string): any {
  const py = 'import json, sys, yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))';
  return JSON.parse(execFileSync('/usr/bin/python3', ['-c', py, join(ROOT, file)]).toString());
}
