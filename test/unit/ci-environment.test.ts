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
  it('reads GitHub Actions, with the run URL per attempt', () => {
    expect(
      ciAttributes({
        GITHUB_ACTIONS: 'true',
        GITHUB_SERVER_URL: 'https://github.com',
        GITHUB_REPOSITORY: 'acme/infra',
        GITHUB_RUN_ID: '42',
        GITHUB_RUN_ATTEMPT: '2',
        GITHUB_WORKFLOW: 'deploy',
        GITHUB_JOB: 'ansible',
        RUNNER_NAME: 'runner-7',
        GITHUB_REF_NAME: 'main',
        GITHUB_SHA: 'abc123',
      }),
    ).toEqual({
      'cicd.provider.name': 'github_actions',
      'cicd.pipeline.name': 'deploy',
      'cicd.pipeline.run.id': '42',
      'cicd.pipeline.run.url.full': 'https://github.com/acme/infra/actions/runs/42/attempts/2',
      'cicd.pipeline.task.name': 'ansible',
      'cicd.worker.name': 'runner-7',
      'vcs.provider.name': 'github',
      'vcs.repository.url.full': 'https://github.com/acme/infra',
      'vcs.ref.head.name': 'main',
      'vcs.ref.head.revision': 'abc123',
    });
  });

  it('reads GitLab CI, preferring the merge request source branch', () => {
    expect(
      ciAttributes({
        ...GITLAB,
        CI_PROJECT_URL: 'https://gitlab.example/ops/site',
        CI_COMMIT_REF_NAME: 'mr-branch-ref',
        CI_MERGE_REQUEST_SOURCE_BRANCH_NAME: 'feature',
        CI_COMMIT_SHA: 'def',
      }),
    ).toMatchObject({
      'cicd.pipeline.name': 'ops/site',
      'cicd.pipeline.run.url.full': 'https://gitlab.example/ops/site/-/pipelines/9',
      'cicd.pipeline.task.run.id': '77',
      'vcs.ref.head.name': 'feature',
      'vcs.ref.head.revision': 'def',
    });
  });

  it('reads Jenkins and drops credentials from its git URL', () => {
    expect(
      ciAttributes({
        JENKINS_URL: 'https://ci/',
        JOB_NAME: 'site',
        BUILD_ID: '5',
        BUILD_URL: 'https://ci/job/site/5/',
        GIT_URL: 'https://bot:tok@git.example/site.git',
        GIT_BRANCH: 'origin/main',
      }),
    ).toMatchObject({
      'cicd.pipeline.name': 'site',
      'cicd.pipeline.run.url.full': 'https://ci/job/site/5/',
      'vcs.repository.url.full': 'https://git.example/site.git',
    });
  });

  it('adds nothing outside CI', () => {
    expect(ciAttributes({ HOME: '/root' })).toEqual({});
  });
});

describe('the metrics resource (semconv: the cicd.pipeline.run entity is opt-in on metrics)', () => {
  const runEntity = ['cicd.pipeline.run.id', 'cicd.pipeline.run.url.full', 'cicd.pipeline.task.run.id', 'cicd.pipeline.task.run.url.full'];

  it('leaves the run and job ids and URLs out by default, and keeps the pipeline and job names', () => {
    const { resource, metricsResource } = sidecarResources([], GITLAB);
    for (const key of runEntity) {
      expect(resource.attributes).toHaveProperty([key]);
      expect(metricsResource.attributes).not.toHaveProperty([key]);
    }
    expect(metricsResource.attributes).toMatchObject({ 'service.name': 'ansible', 'cicd.pipeline.name': 'ops/site', 'cicd.pipeline.task.name': 'deploy' });
  });

  it("keeps them when opted in, and is the traces' resource itself outside CI", () => {
    const optedIn = sidecarResources([], GITLAB, true);
    expect(optedIn.metricsResource).toBe(optedIn.resource);
    const local = sidecarResources([], { HOME: '/root' });
    expect(local.metricsResource).toBe(local.resource);
  });
});
