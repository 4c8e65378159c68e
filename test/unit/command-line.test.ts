import { describe, expect, it } from 'vitest';
import { playbooksOf } from '../../src/model/command-line.js';
import { commandRunFrames } from '../../src/root/command-run.js';
import { decodeFrame } from '../../src/protocol/decode.js';

describe('playbooksOf', () => {
  it('keeps the positional playbooks and never an option value', () => {
    const argv = ['ansible-playbook', '-i', 'hosts.yml', '-e', '@vars.yaml', '--vault-id', 'dev@x.yml', 'site.yml', '-l', 'web', 'other.YAML', '--check'];
    expect(playbooksOf(argv)).toEqual(['site.yml', 'other.YAML']);
  });
  it('finds none in an ad-hoc command', () => {
    expect(playbooksOf(['ansible', 'web', '-m', 'ping', '-i', 'inv.yml'])).toEqual([]);
  });
});

describe('commandRunFrames', () => {
  it('sends the playbooks alone (no secrets of the argv) and the exit code, as valid frames', () => {
    const frames = commandRunFrames(['ansible-playbook', '-e', 'token=s3cret', 'broken.yml'], 4, 1_000, 2_000, 'a'.repeat(32));
    expect(frames.map((f) => f.t)).toEqual(['hello', 'bye']);
    expect(JSON.stringify(frames)).not.toContain('s3cret');
    expect(frames[0]).toMatchObject({ argv: ['ansible-playbook', 'broken.yml'], ts: 1_000 });
    expect(frames[1]).toMatchObject({ exit_code: 4, ts: 2_000 });
    for (const f of frames) expect(decodeFrame(JSON.stringify(f))).toEqual(f);
  });
});
