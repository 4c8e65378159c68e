// The CI system a run happens in, as resource attributes, read from the CI's own variables. The
// runner (cicd.worker) and the commit (vcs.repository, vcs.ref) follow the OTel CI/CD and VCS
// conventions. The CI's own pipeline run and job go in `ansible.ci.*`: on spans, metric points
// and log records `cicd.pipeline.*` describe the playbook run, and a key has one meaning
// (docs/semantic-conventions.md, "The CI job around the run").
import { ATTR, REF_TYPE, VCS_PROVIDER } from '../model/attributes.js';
import type { Env } from '../util/environment.js';

type Attrs = Record<string, string | undefined>;

/** vcs.ref.type and vcs.ref.head.type: the same value, the type of the ref the run is on. */
function refType(type: string | undefined): Attrs {
  const known = type === REF_TYPE.BRANCH || type === REF_TYPE.TAG ? type : undefined;
  return { [ATTR.VCS_REF_TYPE]: known, [ATTR.VCS_REF_HEAD_TYPE]: known };
}

/** The worker entity, only with an identity: cicd.worker.id is its identifying attribute (Required). */
function worker(id: string | undefined, name: string | undefined): Attrs {
  return id ? { [ATTR.CICD_WORKER_ID]: id, [ATTR.CICD_WORKER_NAME]: name } : {};
}

function github(e: Env): Attrs {
  const server = e.GITHUB_SERVER_URL ?? 'https://github.com';
  const repo = e.GITHUB_REPOSITORY ? `${server}/${e.GITHUB_REPOSITORY}` : undefined;
  const run = repo && e.GITHUB_RUN_ID ? `${repo}/actions/runs/${e.GITHUB_RUN_ID}` : undefined;
  // A self-hosted runner's name is unique where it is registered (repository, organization or
  // enterprise): its identity. A GitHub-hosted runner's ("GitHub Actions 12") names a slot that
  // fresh VMs reuse, and GitHub gives no runner id: no worker entity then.
  const selfHosted = e.RUNNER_ENVIRONMENT === 'self-hosted';
  return {
    [ATTR.CI_PROVIDER_NAME]: 'github_actions',
    [ATTR.CI_PIPELINE_NAME]: e.GITHUB_WORKFLOW,
    [ATTR.CI_PIPELINE_RUN_ID]: e.GITHUB_RUN_ID,
    [ATTR.CI_PIPELINE_RUN_URL_FULL]: run && e.GITHUB_RUN_ATTEMPT ? `${run}/attempts/${e.GITHUB_RUN_ATTEMPT}` : run,
    [ATTR.CI_JOB_NAME]: e.GITHUB_JOB,
    ...worker(selfHosted ? e.RUNNER_NAME : undefined, e.RUNNER_NAME),
    [ATTR.VCS_PROVIDER_NAME]: VCS_PROVIDER.GITHUB,
    [ATTR.VCS_REPOSITORY_URL_FULL]: repo,
    [ATTR.VCS_REPOSITORY_NAME]: e.GITHUB_REPOSITORY?.split('/').pop(),
    [ATTR.VCS_REF_HEAD_NAME]: e.GITHUB_HEAD_REF || e.GITHUB_REF_NAME,
    [ATTR.VCS_REF_HEAD_REVISION]: e.GITHUB_SHA,
    // a pull request's head is its source branch; otherwise the ref that triggered the run
    ...refType(e.GITHUB_HEAD_REF ? REF_TYPE.BRANCH : e.GITHUB_REF_TYPE),
  };
}

function gitlab(e: Env): Attrs {
  const branch = e.CI_MERGE_REQUEST_SOURCE_BRANCH_NAME || e.CI_COMMIT_BRANCH;
  return {
    [ATTR.CI_PROVIDER_NAME]: 'gitlab',
    [ATTR.CI_PIPELINE_NAME]: e.CI_PIPELINE_NAME || e.CI_PROJECT_PATH,
    [ATTR.CI_PIPELINE_RUN_ID]: e.CI_PIPELINE_ID,
    [ATTR.CI_PIPELINE_RUN_URL_FULL]: e.CI_PIPELINE_URL,
    [ATTR.CI_JOB_NAME]: e.CI_JOB_NAME,
    [ATTR.CI_JOB_ID]: e.CI_JOB_ID,
    [ATTR.CI_JOB_URL_FULL]: e.CI_JOB_URL,
    ...worker(e.CI_RUNNER_ID, e.CI_RUNNER_DESCRIPTION),
    [ATTR.VCS_PROVIDER_NAME]: VCS_PROVIDER.GITLAB,
    [ATTR.VCS_REPOSITORY_URL_FULL]: e.CI_PROJECT_URL,
    [ATTR.VCS_REPOSITORY_NAME]: e.CI_PROJECT_NAME,
    [ATTR.VCS_REF_HEAD_NAME]: e.CI_MERGE_REQUEST_SOURCE_BRANCH_NAME || e.CI_COMMIT_REF_NAME,
    [ATTR.VCS_REF_HEAD_REVISION]: e.CI_COMMIT_SHA,
    // CI_COMMIT_TAG only in tag pipelines, CI_COMMIT_BRANCH only in branch pipelines
    ...refType(e.CI_COMMIT_TAG ? REF_TYPE.TAG : branch ? REF_TYPE.BRANCH : undefined),
  };
}

function jenkins(e: Env): Attrs {
  const branch = e.BRANCH_NAME ?? e.GIT_BRANCH;
  return {
    [ATTR.CI_PROVIDER_NAME]: 'jenkins',
    [ATTR.CI_PIPELINE_NAME]: e.JOB_NAME,
    [ATTR.CI_PIPELINE_RUN_ID]: e.BUILD_ID ?? e.BUILD_NUMBER,
    [ATTR.CI_PIPELINE_RUN_URL_FULL]: e.BUILD_URL,
    // a node's name is unique in its Jenkins controller
    ...worker(e.NODE_NAME, e.NODE_NAME),
    [ATTR.VCS_REPOSITORY_URL_FULL]: e.GIT_URL,
    [ATTR.VCS_REPOSITORY_NAME]: e.GIT_URL?.replace(/\/+$/, '')
      .split(/[/:]/)
      .pop()
      ?.replace(/\.git$/, ''),
    [ATTR.VCS_REF_HEAD_NAME]: branch,
    [ATTR.VCS_REF_HEAD_REVISION]: e.GIT_COMMIT,
    // multibranch pipelines set TAG_NAME for a tag build (BRANCH_NAME then holds the tag too)
    ...refType(e.TAG_NAME ? REF_TYPE.TAG : branch ? REF_TYPE.BRANCH : undefined),
  };
}

/** Resource attributes of the CI system in `env`, or none outside CI. Credentials in URLs are dropped. */
export function ciAttributes(env: Env): Record<string, string> {
  let attrs: Attrs = {};
  if (env.GITHUB_ACTIONS === 'true') attrs = github(env);
  else if (env.GITLAB_CI === 'true') attrs = gitlab(env);
  else if (env.JENKINS_URL) attrs = jenkins(env);
  else if (env.CI === 'true' || env.CI === '1') attrs = { [ATTR.CI_PIPELINE_RUN_ID]: env.BUILD_ID ?? env.CI_BUILD_ID };
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(attrs)) if (v) out[k] = v.replace(/(\w+:\/\/)[^/@\s]+@/, '$1');
  return out;
}
