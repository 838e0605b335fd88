// The pull-request workflow's trust model, read from the workflow itself: a fork's pull request
// never reaches a job that has a secret or runs inside the network.
import test from "ava";
import { readFileSync } from "node:fs";
import { join } from "node:path";

interface Job {
    if?: string;
    "runs-on": string | string[];
    environment?: string;
    steps: { uses?: string; run?: string; env?: Record<string, string>; with?: Record<string, unknown> }[];
}

const SAME_REPOSITORY = "github.event.pull_request.head.repo.full_name == github.repository";

function workflow(): { on: Record<string, unknown>; jobs: Record<string, Job> } {
    const yaml = require("js-yaml");
    return yaml.load(readFileSync(join(__dirname, "..", "..", ".github", "workflows", "pulumi.yml"), "utf8"));
}

/** Whether a job reads a secret anywhere (its steps' inputs and environment). */
function readsSecrets(job: Job): boolean {
    return /\$\{\{\s*secrets\./.test(JSON.stringify(job.steps));
}

function selfHosted(job: Job): boolean {
    return ([] as string[]).concat(job["runs-on"]).includes("self-hosted");
}

/** Whether the job's condition lets a pull request run it at all, and if so, only a same-repository one. */
function pullRequestGate(job: Job): "never" | "same-repository" | "any" {
    const condition = job.if ?? "";
    if (/github\.event_name == 'push'/.test(condition) && !/pull_request/.test(condition.replace(SAME_REPOSITORY, ""))) {
        return "never";
    }
    return condition.includes(SAME_REPOSITORY) && !/\|\|/.test(condition) ? "same-repository" : "any";
}

test("no job runs with secrets for a fork's pull request: pull_request_target is absent, and every job with a secret or a self-hosted runner is gated", (t) => {
    const { on, jobs } = workflow();
    t.false("pull_request_target" in on, "pull_request_target runs a fork's workflow with the repository's secrets");
    t.true("pull_request" in on);
    const sensitive = Object.entries(jobs).filter(([, job]) => readsSecrets(job) || selfHosted(job));
    t.true(sensitive.length >= 2, "the preview and the up job");
    for (const [name, job] of sensitive) {
        t.not(pullRequestGate(job), "any", `job ${name} reads secrets or runs inside the network, yet a fork's pull request can start it (if: ${job.if ?? "none"})`);
        t.truthy(job.environment, `job ${name}: its secrets belong to an environment`);
    }
});

test("every pull request, a fork's too, gets the checks: on a GitHub-hosted runner, with no secret", (t) => {
    const { jobs } = workflow();
    const open = Object.entries(jobs).filter(([, job]) => pullRequestGate(job) === "any");
    t.deepEqual(open.map(([name]) => name), ["checks"]);
    const [, checks] = open[0];
    t.false(readsSecrets(checks));
    t.false(selfHosted(checks));
    t.true(checks.steps.some((s) => s.run === "npm test"));
});

test("the preview logs in to the backend and reads the kubeconfig from secrets, never leaving the file behind", (t) => {
    const { jobs } = workflow();
    for (const name of ["preview", "up"]) {
        const steps = jobs[name].steps;
        const pulumi = steps.find((s) => s.uses?.startsWith("pulumi/actions@"));
        t.truthy(pulumi, name);
        t.is(pulumi!.with?.["cloud-url"], "${{ secrets.PULUMI_BACKEND_URL }}");
        t.deepEqual(Object.keys(pulumi!.env ?? {}).sort(), ["AWS_ACCESS_KEY_ID", "AWS_REGION", "AWS_SECRET_ACCESS_KEY", "PULUMI_ACCESS_TOKEN", "PULUMI_CONFIG_PASSPHRASE"]);
        const kubeconfig = steps.findIndex((s) => s.env?.KUBECONFIG_DATA === "${{ secrets.KUBECONFIG_DATA }}");
        t.true(kubeconfig >= 0 && kubeconfig < steps.indexOf(pulumi!), `${name}: the kubeconfig is written before Pulumi runs`);
        t.regex(steps[kubeconfig].run ?? "", /umask 077/);
        t.true(steps.slice(steps.indexOf(pulumi!)).some((s) => (s as { if?: string }).if === "always()" && /rm -f "\$RUNNER_TEMP\/kubeconfig"/.test(s.run ?? "")), `${name}: the kubeconfig is removed`);
        t.true(steps.filter((s) => s.uses?.startsWith("actions/checkout@")).every((s) => s.with?.["persist-credentials"] === false), `${name}: checkout keeps no token`);
    }
});
