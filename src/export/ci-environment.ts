// The CI system a run happens in, as resource attributes per the OTel CI/CD and VCS semantic
// conventions (cicd.pipeline.*, cicd.worker.*, vcs.*), read from the CI's own variables.

type Attrs = Record<string, string | undefined>;

function github(e: NodeJS.ProcessEnv): Attrs {
  const server = e.GITHUB_SERVER_URL ?? 'https://github.com';
  const repo = e.GITHUB_REPOSITORY ? `${server}/${e.GITHUB_REPOSITORY}` : undefined;
  const run = repo && e.GITHUB_RUN_ID ? `${repo}/actions/runs/${e.GITHUB_RUN_ID}` : undefined;
  return {
    'cicd.provider.name': 'github_actions',
    'cicd.pipeline.name': e.GITHUB_WORKFLOW,
    'cicd.pipeline.run.id': e.GITHUB_RUN_ID,
    'cicd.pipeline.run.url.full': run && e.GITHUB_RUN_ATTEMPT ? `${run}/attempts/${e.GITHUB_RUN_ATTEMPT}` : run,
    'cicd.pipeline.task.name': e.GITHUB_JOB,
    'cicd.worker.name': e.RUNNER_NAME,
    'vcs.provider.name': 'github',
    'vcs.repository.url.full': repo,
    'vcs.ref.head.name': e.GITHUB_HEAD_REF || e.GITHUB_REF_NAME,
    'vcs.ref.head.revision': e.GITHUB_SHA,
  };
}

function gitlab(e: NodeJS.ProcessEnv): Attrs {
  return {
    'cicd.provider.name': 'gitlab',
    'cicd.pipeline.name': e.CI_PIPELINE_NAME || e.CI_PROJECT_PATH,
    'cicd.pipeline.run.id': e.CI_PIPELINE_ID,
    'cicd.pipeline.run.url.full': e.CI_PIPELINE_URL,
    'cicd.pipeline.task.name': e.CI_JOB_NAME,
    'cicd.pipeline.task.run.id': e.CI_JOB_ID,
    'cicd.pipeline.task.run.url.full': e.CI_JOB_URL,
    'cicd.worker.id': e.CI_RUNNER_ID,
    'cicd.worker.name': e.CI_RUNNER_DESCRIPTION,
    'vcs.provider.name': 'gitlab',
    'vcs.repository.url.full': e.CI_PROJECT_URL,
    'vcs.ref.head.name': e.CI_MERGE_REQUEST_SOURCE_BRANCH_NAME || e.CI_COMMIT_REF_NAME,
    'vcs.ref.head.revision': e.CI_COMMIT_SHA,
  };
}

function jenkins(e: NodeJS.ProcessEnv): Attrs {
  return {
    'cicd.provider.name': 'jenkins',
    'cicd.pipeline.name': e.JOB_NAME,
    'cicd.pipeline.run.id': e.BUILD_ID ?? e.BUILD_NUMBER,
    'cicd.pipeline.run.url.full': e.BUILD_URL,
    'cicd.worker.name': e.NODE_NAME,
    'vcs.repository.url.full': e.GIT_URL,
    'vcs.ref.head.name': e.BRANCH_NAME ?? e.GIT_BRANCH,
    'vcs.ref.head.revision': e.GIT_COMMIT,
  };
}

/** Resource attributes of the CI system in `env`, or none outside CI. Credentials in URLs are dropped. */
export function ciAttributes(env: NodeJS.ProcessEnv): Record<string, string> {
  let attrs: Attrs = {};
  if (env.GITHUB_ACTIONS === 'true') attrs = github(env);
  else if (env.GITLAB_CI === 'true') attrs = gitlab(env);
  else if (env.JENKINS_URL) attrs = jenkins(env);
  else if (env.CI === 'true' || env.CI === '1') attrs = { 'cicd.pipeline.run.id': env.BUILD_ID ?? env.CI_BUILD_ID };
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(attrs)) if (v) out[k] = v.replace(/(\w+:\/\/)[^/@\s]+@/, '$1');
  return out;
}
