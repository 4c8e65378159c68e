import { describe, expect, it } from 'vitest';
import { ciAttributes } from '../../src/export/ci-environment.js';
import { sidecarResources } from '../../src/export/resource.js';

/** A GitLab CI job's variables (the run entity: pipeline id and URL, job id and URL). */
const GITLAB = {
  GITLAB_CI: 'true',
  CI_PROJECT_PATH: 'ops/site',
  CI_PIPELINE_ID: '9',
  CI_PIPELINE_URL: 'https://gitlab.example/ops/site/-/pipelines/9',
  CI_JOB_NAME: 'deploy',
  CI_JOB_ID: '77',
  CI_JOB_URL: 'https://gitlab.example/ops/site/-/jobs/77',
};

describe('CI environment as resource attributes', () => {
  const GITHUB = {
    GITHUB_ACTIONS: 'true',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_REPOSITORY: 'acme/infra',
    GITHUB_RUN_ID: '42',
    GITHUB_RUN_ATTEMPT: '2',
    GITHUB_WORKFLOW: 'deploy',
    GITHUB_JOB: 'ansible',
    RUNNER_NAME: 'runner-7',
    RUNNER_ENVIRONMENT: 'self-hosted',
    GITHUB_REF_NAME: 'main',
    GITHUB_REF_TYPE: 'branch',
    GITHUB_SHA: 'abc123',
  };

  it('reads GitHub Actions: the workflow run and job in ansible.ci.*, a self-hosted runner as the worker, the commit as vcs.*', () => {
    expect(ciAttributes(GITHUB)).toEqual({
      'ansible.ci.provider.name': 'github_actions',
      'ansible.ci.pipeline.name': 'deploy',
      'ansible.ci.pipeline.run.id': '42',
      'ansible.ci.pipeline.run.url.full': 'https://github.com/acme/infra/actions/runs/42/attempts/2',
      'ansible.ci.job.name': 'ansible',
      'cicd.worker.id': 'runner-7',
      'cicd.worker.name': 'runner-7',
      'vcs.provider.name': 'github',
      'vcs.repository.url.full': 'https://github.com/acme/infra',
      'vcs.repository.name': 'infra',
      'vcs.ref.head.name': 'main',
      'vcs.ref.head.revision': 'abc123',
      'vcs.ref.type': 'branch',
      'vcs.ref.head.type': 'branch',
    });
  });

  it('leaves the worker out on a GitHub-hosted runner (its name is a slot, not an identity), and reads a tag and a pull request', () => {
    const hosted = ciAttributes({ ...GITHUB, RUNNER_ENVIRONMENT: 'github-hosted', RUNNER_NAME: 'GitHub Actions 12' });
    expect(Object.keys(hosted).filter((k) => k.startsWith('cicd.worker.'))).toEqual([]);
    expect(ciAttributes({ ...GITHUB, GITHUB_REF_NAME: 'v1.2', GITHUB_REF_TYPE: 'tag' })).toMatchObject({ 'vcs.ref.head.name': 'v1.2', 'vcs.ref.type': 'tag' });
    expect(ciAttributes({ ...GITHUB, GITHUB_HEAD_REF: 'feature', GITHUB_REF_NAME: '7/merge' })).toMatchObject({
      'vcs.ref.head.name': 'feature',
      'vcs.ref.head.type': 'branch',
    });
    expect(ciAttributes({ ...GITHUB, GITHUB_REF_TYPE: 'other' })).not.toHaveProperty(['vcs.ref.type']);
  });

  it('reads GitLab CI, preferring the merge request source branch; the runner id is the worker', () => {
    expect(
      ciAttributes({
        ...GITLAB,
        CI_PROJECT_URL: 'https://gitlab.example/ops/site',
        CI_PROJECT_NAME: 'site',
        CI_COMMIT_REF_NAME: 'mr-branch-ref',
        CI_MERGE_REQUEST_SOURCE_BRANCH_NAME: 'feature',
        CI_COMMIT_SHA: 'def',
        CI_RUNNER_ID: '12',
        CI_RUNNER_DESCRIPTION: 'shared-runner',
      }),
    ).toEqual({
      'ansible.ci.provider.name': 'gitlab',
      'ansible.ci.pipeline.name': 'ops/site',
      'ansible.ci.pipeline.run.id': '9',
      'ansible.ci.pipeline.run.url.full': 'https://gitlab.example/ops/site/-/pipelines/9',
      'ansible.ci.job.name': 'deploy',
      'ansible.ci.job.id': '77',
      'ansible.ci.job.url.full': 'https://gitlab.example/ops/site/-/jobs/77',
      'cicd.worker.id': '12',
      'cicd.worker.name': 'shared-runner',
      'vcs.provider.name': 'gitlab',
      'vcs.repository.url.full': 'https://gitlab.example/ops/site',
      'vcs.repository.name': 'site',
      'vcs.ref.head.name': 'feature',
      'vcs.ref.head.revision': 'def',
      'vcs.ref.type': 'branch',
      'vcs.ref.head.type': 'branch',
    });
    expect(ciAttributes({ ...GITLAB, CI_COMMIT_REF_NAME: 'v2', CI_COMMIT_TAG: 'v2' })).toMatchObject({ 'vcs.ref.head.name': 'v2', 'vcs.ref.type': 'tag' });
  });

  it('reads Jenkins and drops credentials from its git URL', () => {
    expect(
      ciAttributes({
        JENKINS_URL: 'https://ci/',
        JOB_NAME: 'site',
        BUILD_ID: '5',
        BUILD_URL: 'https://ci/job/site/5/',
        NODE_NAME: 'agent-3',
        GIT_URL: 'https://bot:tok@git.example/site.git',
        GIT_BRANCH: 'origin/main',
      }),
    ).toMatchObject({
      'ansible.ci.pipeline.name': 'site',
      'ansible.ci.pipeline.run.url.full': 'https://ci/job/site/5/',
      'cicd.worker.id': 'agent-3',
      'vcs.repository.url.full': 'https://git.example/site.git',
      'vcs.repository.name': 'site',
      'vcs.ref.type': 'branch',
    });
  });

  it('never writes the cicd.pipeline.* keys, which spans, points and records use for the playbook run', () => {
    for (const env of [GITHUB, GITLAB, { JENKINS_URL: 'https://ci/', JOB_NAME: 'site' }, { CI: 'true', BUILD_ID: '3' }])
      expect(Object.keys(ciAttributes(env)).filter((k) => k.startsWith('cicd.pipeline.') || k === 'cicd.provider.name')).toEqual([]);
  });

  it('adds nothing outside CI', () => {
    expect(ciAttributes({ HOME: '/root' })).toEqual({});
  });
});

describe('the metrics resource (as semconv asks of the cicd.pipeline.run entity: the CI run is opt-in on metrics)', () => {
  const runEntity = ['ansible.ci.pipeline.run.id', 'ansible.ci.pipeline.run.url.full', 'ansible.ci.job.id', 'ansible.ci.job.url.full'];

  it('leaves the run and job ids and URLs out by default, and keeps the pipeline and job names', () => {
    const { resource, metricsResource } = sidecarResources([], ciAttributes(GITLAB));
    for (const key of runEntity) {
      expect(resource.attributes).toHaveProperty([key]);
      expect(metricsResource.attributes).not.toHaveProperty([key]);
    }
    expect(metricsResource.attributes).toMatchObject({ 'service.name': 'ansible', 'ansible.ci.pipeline.name': 'ops/site', 'ansible.ci.job.name': 'deploy' });
  });

  it("keeps them when opted in, and is the traces' resource itself outside CI", () => {
    const optedIn = sidecarResources([], ciAttributes(GITLAB), true);
    expect(optedIn.metricsResource).toBe(optedIn.resource);
    const local = sidecarResources([], ciAttributes({ HOME: '/root' }));
    expect(local.metricsResource).toBe(local.resource);
  });
});
