#!/usr/bin/env python3
"""Runs the steps of action.yml locally, the way the Actions runner would, against git
repositories made here: a pull request, a fork's pull request, a shallow clone, pushes and a
manual run. It reuses a guardrail binary that is already built (the install step finds it
where the cache would have restored it), skips the `uses:` steps (their outcome is simulated)
and asserts annotations, job summary, SARIF, outputs and the action's verdict.

    usage: action-e2e.py GUARDRAIL_BINARY [SARIF_OUT_DIR]

Needs bash, git and PyYAML. Prints "N passed, M failed".
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXPR = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
SHA = re.compile(r"^[^@]+@[0-9a-f]{40}$")
GIT_ENV = {
    "GIT_CONFIG_GLOBAL": "/dev/null",
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@example.com",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.com",
}


def git(cwd, *args):
    env = dict(os.environ, **GIT_ENV)
    out = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"git {args}: {out.stderr}")
    return out.stdout.strip()


def write(root, name, text):
    path = os.path.join(root, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


class Run:
    """What one run of the action left behind."""

    def __init__(self):
        self.steps = {}  # id or name -> {"outcome", "outputs", "stdout", "stderr"}
        self.log = ""
        self.summary = ""
        self.failed = False
        self.outputs = {}

    def annotations(self):
        """(level, properties, message) of every workflow command the scan step printed."""
        out = []
        for line in self.steps["scan"]["stdout"].splitlines():
            m = re.match(r"^::(error|warning|notice) ([^:]*)::(.*)$", line)
            if m and "file=" in m.group(2):
                props = dict(p.split("=", 1) for p in m.group(2).split(","))
                out.append((m.group(1), props, m.group(3)))
        return out


class Runner:
    """A small stand-in for the Actions runner: composite steps, `env:`, `if:`, outputs,
    GITHUB_PATH / GITHUB_OUTPUT / GITHUB_STEP_SUMMARY, and the expressions action.yml uses."""

    def __init__(self, guardrail, tmp):
        with open(os.path.join(ROOT, "action.yml")) as f:
            self.action = yaml.safe_load(f)
        self.guardrail = guardrail
        self.tmp = tmp

    def lint(self):
        """The action's own rules: no expressions inside scripts, every action pinned."""
        problems = []
        for step in self.action["runs"]["steps"]:
            if "run" in step and "${{" in step["run"]:
                problems.append(f"expression inside run: {step.get('name')}")
            if "uses" in step and not SHA.match(step["uses"]):
                problems.append(f"not pinned by commit SHA: {step['uses']}")
        return problems

    def run(self, workspace, event_name, event, inputs=None, uses_outcomes=None, actor="octocat"):
        inputs = dict(inputs or {})
        uses_outcomes = uses_outcomes or {}
        home = tempfile.mkdtemp(dir=self.tmp, prefix="home-")
        runner_temp = tempfile.mkdtemp(dir=self.tmp, prefix="runner-temp-")
        event_path = os.path.join(runner_temp, "event.json")
        with open(event_path, "w") as f:
            json.dump(event, f)
        github_path = os.path.join(runner_temp, "path")
        open(github_path, "w").close()
        defaults = {k: str(v.get("default", "")) for k, v in self.action["inputs"].items()}
        for k in inputs:
            assert k in defaults, f"unknown input {k}"
        inputs = {**defaults, **inputs}
        head = git(workspace, "rev-parse", "HEAD")
        github = {
            "event_name": event_name,
            "event": event,
            "action_ref": "",
            "workspace": workspace,
            "repository": "octo/infra",
            "sha": head,
            "actor": actor,
            "server_url": "https://github.com",
        }
        runner = {"temp": runner_temp, "os": "Linux", "arch": "X64"}
        # Nothing of this machine's PATH that could hold a guardrail or cargo.
        tools = {os.path.dirname(shutil.which(t)) for t in ["bash", "git", "od", "sed", "mktemp"]}
        base_env = {
            "PATH": ":".join(sorted(tools)),
            "HOME": home,
            "LANG": "C.UTF-8",
            "CI": "true",
            "GITHUB_ACTIONS": "true",
            "GITHUB_ACTION_PATH": ROOT,
            "GITHUB_WORKSPACE": workspace,
            "GITHUB_EVENT_NAME": event_name,
            "GITHUB_EVENT_PATH": event_path,
            "GITHUB_REPOSITORY": github["repository"],
            "GITHUB_SHA": head,
            "GITHUB_ACTOR": actor,
            "GITHUB_SERVER_URL": github["server_url"],
            "GITHUB_PATH": github_path,
            "RUNNER_TEMP": runner_temp,
            "RUNNER_OS": runner["os"],
            "RUNNER_ARCH": runner["arch"],
        }
        result = Run()

        def lookup(expr):
            parts = expr.split(".")
            if parts[0] == "inputs" and len(parts) == 2:
                return inputs[parts[1]]
            if parts[0] == "runner" and len(parts) == 2:
                return runner[parts[1]]
            if parts[0] == "github":
                value = github
                for p in parts[1:]:
                    value = value.get(p) if isinstance(value, dict) else None
                if value is None:
                    return ""
                if isinstance(value, bool):
                    return "true" if value else "false"
                return str(value)
            if parts[0] == "steps" and len(parts) >= 3:
                step = result.steps.get(parts[1], {})
                if parts[2] == "outputs" and len(parts) == 4:
                    return step.get("outputs", {}).get(parts[3], "")
                if parts[2] == "outcome" and len(parts) == 3:
                    return step.get("outcome", "")
            raise ValueError(f"expression the harness does not know: {expr}")

        def evaluate(text):
            return EXPR.sub(lambda m: lookup(m.group(1)), str(text))

        def condition(text):
            m = re.fullmatch(r"\s*([\w.-]+)\s*(==|!=)\s*'([^']*)'\s*", text)
            if not m:
                raise ValueError(f"condition the harness does not know: {text}")
            value = lookup(m.group(1))
            return (value == m.group(3)) == (m.group(2) == "==")

        for step in self.action["runs"]["steps"]:
            sid = step.get("id") or step.get("name")
            record = {"outcome": "skipped", "outputs": {}, "stdout": "", "stderr": ""}
            result.steps[sid] = record
            cond = step.get("if")
            if result.failed or (cond is not None and not condition(cond)):
                continue
            if "uses" in step:
                record["outcome"] = uses_outcomes.get(sid, "success")
                if step["uses"].startswith("actions/cache@"):
                    # What a cache hit restores: the binary built earlier.
                    bindir = os.path.join(evaluate(step["with"]["path"]), "bin")
                    os.makedirs(bindir, exist_ok=True)
                    shutil.copy(self.guardrail, os.path.join(bindir, "guardrail"))
                    record["outputs"]["cache-hit"] = "true"
                if record["outcome"] == "failure" and not step.get("continue-on-error"):
                    result.failed = True
                continue
            env = dict(base_env)
            with open(github_path) as f:
                added = [l.strip() for l in f if l.strip()]
            env["PATH"] = ":".join(list(reversed(added)) + [base_env["PATH"]])
            for k, v in (step.get("env") or {}).items():
                env[k] = evaluate(v)
            output_file = os.path.join(runner_temp, f"output-{len(result.steps)}")
            summary_file = os.path.join(runner_temp, f"summary-{len(result.steps)}")
            open(output_file, "w").close()
            open(summary_file, "w").close()
            env["GITHUB_OUTPUT"] = output_file
            env["GITHUB_STEP_SUMMARY"] = summary_file
            script = os.path.join(runner_temp, f"step-{len(result.steps)}.sh")
            with open(script, "w") as f:
                f.write(step["run"])
            assert step["shell"] == "bash"
            cwd = evaluate(step.get("working-directory", workspace))
            proc = subprocess.run(
                ["bash", "--noprofile", "--norc", "-eo", "pipefail", script],
                cwd=cwd,
                env=env,
                capture_output=True,
                text=True,
            )
            record["stdout"], record["stderr"] = proc.stdout, proc.stderr
            result.log += proc.stdout + proc.stderr
            record["outcome"] = "success" if proc.returncode == 0 else "failure"
            record["rc"] = proc.returncode
            with open(output_file) as f:
                for line in f.read().splitlines():
                    if "=" in line:
                        k, v = line.split("=", 1)
                        record["outputs"][k] = v
            with open(summary_file) as f:
                result.summary += f.read()
            if proc.returncode != 0 and not step.get("continue-on-error"):
                result.failed = True
        result.outputs = {k: evaluate(v["value"]) for k, v in self.action["outputs"].items()}
        return result


# Scanned content: a legacy finding on main, and a pull request that adds two.
LEGACY = 'resource "aws_s3_bucket" "legacy" {\n  acl = "public-read"\n}\n'
SAFE = 'resource "aws_s3_bucket" "site" {\n  acl = "private"\n}\n'
PUBLIC = 'resource "aws_s3_bucket" "site" {\n  acl = "public-read"\n}\n'
POD = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n    - name: web\n      image: nginx:{tag}\n"
ARGS = "--check aws-s3-bucket-public-acl --check k8s-image-latest-tag"


def make_repos(tmp):
    upstream = os.path.join(tmp, "upstream")
    os.makedirs(upstream)
    git(upstream, "init", "-q", "-b", "main")
    write(upstream, "infra/legacy.tf", LEGACY)
    write(upstream, "infra/main.tf", SAFE)
    write(upstream, "k8s/web.yaml", POD.format(tag="1.27"))
    write(upstream, "README.md", "infra\n")
    git(upstream, "add", "-A")
    git(upstream, "commit", "-q", "-m", "base")
    base = git(upstream, "rev-parse", "HEAD")
    git(upstream, "checkout", "-q", "-b", "pr")
    write(upstream, "infra/main.tf", PUBLIC)
    write(upstream, "k8s/web.yaml", POD.format(tag="latest"))
    git(upstream, "add", "-A")
    git(upstream, "commit", "-q", "-m", "pr")
    head = git(upstream, "rev-parse", "HEAD")
    # The runner's checkout: a full clone of the pull request's head.
    work = os.path.join(tmp, "work")
    git(tmp, "clone", "-q", "-b", "pr", f"file://{upstream}", work)
    shallow = os.path.join(tmp, "shallow")
    git(tmp, "clone", "-q", "--depth", "1", "-b", "pr", f"file://{upstream}", shallow)
    return work, shallow, base, head


def pr_event(base, head, head_repo="octo/infra"):
    return {
        "number": 7,
        "pull_request": {
            "number": 7,
            "base": {"sha": base, "ref": "main", "repo": {"full_name": "octo/infra"}},
            "head": {"sha": head, "ref": "pr", "repo": {"full_name": head_repo}},
        },
    }


def sarif_results(path):
    with open(path) as f:
        doc = json.load(f)
    run = doc["runs"][0]
    out = []
    for r in run["results"]:
        loc = r["locations"][0]["physicalLocation"]
        out.append((r["ruleId"], loc["artifactLocation"]["uri"], loc["region"]["startLine"]))
    return sorted(out), run["automationDetails"]["id"]


def located(run):
    return sorted((a[1]["title"], a[1]["file"], int(a[1]["line"]), a[0]) for a in run.annotations())


PR_FINDINGS = [
    ("aws-s3-bucket-public-acl", "infra/main.tf", 2, "error"),
    ("k8s-image-latest-tag", "k8s/web.yaml", 8, "warning"),
]
ALL_FINDINGS = sorted(PR_FINDINGS + [("aws-s3-bucket-public-acl", "infra/legacy.tf", 2, "error")])


def scenarios(runner, work, shallow, base, head, sarif_out):
    """(name, check function) pairs; each check raises AssertionError on a problem."""

    def pull_request():
        r = runner.run(work, "pull_request", pr_event(base, head), {"args": ARGS})
        # Annotations follow the diff: the legacy bucket is not the pull request's doing.
        assert located(r) == PR_FINDINGS, located(r)
        error, warning = r.annotations()
        assert error[1]["endLine"] == "2" and error[1]["col"] == "9", error
        assert error[2].startswith("S3 bucket ACL makes the bucket public: `acl` is"), error
        # The SARIF covers the whole repository, under the action's category.
        results, category = sarif_results(r.outputs["sarif-file"])
        assert [(i, f, l) for i, f, l, _ in ALL_FINDINGS] == results, results
        assert category == "guardrail/", category
        if sarif_out:
            shutil.copy(r.outputs["sarif-file"], os.path.join(sarif_out, "action-pull-request.sarif"))
            # And the SARIF of the diff itself, for the validators.
            out = os.path.join(sarif_out, "diff.sarif")
            subprocess.run([runner.guardrail, "diff", "--base", base, "--fail-on", "none", "--format",
                            "sarif", "--output", out], cwd=work, check=True)
            found = {(x[0], x[1]) for x in sarif_results(out)[0]}
            assert {("aws-s3-bucket-public-acl", "infra/main.tf"), ("k8s-image-latest-tag", "k8s/web.yaml")} <= found, found
            assert all(f != "infra/legacy.tf" for _, f in found), found
        # The summary: the diff's findings, ranked, linked to the commit.
        s = r.summary
        assert s.startswith("## guardrail: 2 findings\n\n**Failed:** 1 finding at or above `high`."), s
        assert f"[infra/main.tf:2](https://github.com/octo/infra/blob/{head}/infra/main.tf#L2)" in s, s
        assert s.index("aws-s3-bucket-public-acl") < s.index("k8s-image-latest-tag"), s
        assert "legacy.tf" not in s, s
        assert f"*Scope: what this pull request changes (`--scope lines` against {base[:12]})." in s, s
        assert r.outputs["findings"] == "2", r.outputs
        assert r.steps["install"]["stdout"].startswith("guardrail: using the cached build"), r.steps["install"]
        assert r.steps["upload"]["outcome"] == "success"
        assert r.steps["Report a failed upload"]["outcome"] == "skipped"
        # fail-on high and a critical finding: the action fails, in its last step.
        assert r.failed and r.steps["Verdict"]["rc"] == 1, r.steps["Verdict"]
        assert r.steps["scan"]["outcome"] == "success"

    def fail_on_none_and_failed_upload():
        r = runner.run(
            work, "pull_request", pr_event(base, head),
            {"args": ARGS, "fail-on": "none", "category": "guardrail/infra"},
            uses_outcomes={"upload": "failure"},
        )
        assert located(r) == PR_FINDINGS, located(r)
        assert "**Passed:** findings do not fail this run" in r.summary, r.summary
        # A failed upload (code scanning not enabled) is a notice, not a failure.
        assert not r.failed, r.log
        assert "::notice title=guardrail::The SARIF upload failed" in r.steps["Report a failed upload"]["stdout"]
        assert sarif_results(r.outputs["sarif-file"])[1] == "guardrail/infra/"

    def fail_on_threshold_above_the_findings():
        r = runner.run(work, "pull_request", pr_event(base, head),
                       {"args": ARGS + " --skip-check aws-s3-bucket-public-acl", "fail-on": "high"})
        assert located(r) == [PR_FINDINGS[1]], located(r)
        assert not r.failed, r.log
        assert r.outputs["findings"] == "1"

    def fork_pull_request():
        r = runner.run(work, "pull_request", pr_event(base, head, head_repo="someone/infra"),
                       {"args": ARGS, "fail-on": "none"})
        assert r.steps["upload"]["outcome"] == "skipped", r.steps["upload"]
        assert "::notice title=guardrail::not uploading SARIF: pull requests from forks" in r.steps["scan"]["stdout"]
        assert located(r) == PR_FINDINGS and not r.failed

    def upload_sarif_false():
        r = runner.run(work, "pull_request", pr_event(base, head),
                       {"args": ARGS, "fail-on": "none", "upload-sarif": "false"})
        assert r.steps["upload"]["outcome"] == "skipped"
        assert os.path.exists(r.outputs["sarif-file"])

    def shallow_clone():
        r = runner.run(shallow, "pull_request", pr_event(base, head), {"args": ARGS})
        assert r.failed and r.steps["Verdict"]["rc"] == 2, r.log
        assert "fetch-depth: 0" in r.steps["scan"]["stdout"], r.steps["scan"]
        assert r.steps["upload"]["outcome"] == "skipped"
        assert r.annotations() == []

    def push_range():
        r = runner.run(work, "push", {"before": base, "after": head, "created": False}, {"args": ARGS})
        assert located(r) == PR_FINDINGS, located(r)
        assert "*Scope: what this push changes" in r.summary
        assert r.failed

    def push_new_branch():
        # A new branch has no "before": everything is scanned, in one run.
        r = runner.run(work, "push", {"before": "0" * 40, "after": head, "created": True}, {"args": ARGS})
        assert located(r) == ALL_FINDINGS, located(r)
        assert r.summary.startswith("## guardrail: 3 findings"), r.summary
        assert "*Scope: the whole repository.*" in r.summary
        assert sorted(sarif_results(r.outputs["sarif-file"])[0]) == [(i, f, l) for i, f, l, _ in ALL_FINDINGS]
        assert r.outputs["findings"] == "3" and r.failed

    def manual_run_with_paths():
        r = runner.run(work, "workflow_dispatch", {}, {"args": ARGS, "paths": "k8s", "sarif-file": "out/guardrail.sarif"})
        assert located(r) == [PR_FINDINGS[1]], located(r)
        # medium only, fail-on high: passes.
        assert not r.failed, r.log
        assert r.outputs["sarif-file"] == "out/guardrail.sarif"
        assert os.path.exists(os.path.join(work, "out/guardrail.sarif"))
        shutil.rmtree(os.path.join(work, "out"))

    def paths_narrow_the_pull_request():
        r = runner.run(work, "pull_request", pr_event(base, head), {"args": ARGS, "paths": "infra"})
        assert located(r) == [PR_FINDINGS[0]], located(r)
        results, _ = sarif_results(r.outputs["sarif-file"])
        assert [f for _, f, _ in results] == ["infra/legacy.tf", "infra/main.tf"], results

    def config_file_and_precedence():
        # The config's threshold applies when fail-on is empty; the input (a flag) wins over it.
        with open(os.path.join(work, "ci-guardrail.yaml"), "w") as f:
            f.write("fail-on: medium\n")
        try:
            only_medium = ARGS + " --skip-check aws-s3-bucket-public-acl"
            r = runner.run(work, "pull_request", pr_event(base, head),
                           {"args": only_medium, "config": "ci-guardrail.yaml", "fail-on": ""})
            assert located(r) == [PR_FINDINGS[1]], located(r)
            assert r.failed and r.steps["Verdict"]["rc"] == 1, r.log
            assert "**Failed:** 1 finding at or above `medium`." in r.summary, r.summary
            r = runner.run(work, "pull_request", pr_event(base, head),
                           {"args": only_medium, "config": "ci-guardrail.yaml", "fail-on": "high"})
            assert not r.failed, r.log
        finally:
            os.remove(os.path.join(work, "ci-guardrail.yaml"))

    def bad_input():
        r = runner.run(work, "pull_request", pr_event(base, head), {"scope": "everything"})
        assert r.failed and r.steps["Verdict"]["rc"] == 2
        assert "::error title=guardrail::input scope must be lines, files or all" in r.steps["scan"]["stdout"]

    return [(f.__name__, f) for f in [
        pull_request, fail_on_none_and_failed_upload, fail_on_threshold_above_the_findings,
        fork_pull_request, upload_sarif_false, shallow_clone, push_range, push_new_branch,
        manual_run_with_paths, paths_narrow_the_pull_request, config_file_and_precedence, bad_input,
    ]]


def main():
    guardrail = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "target/debug/guardrail"))
    sarif_out = os.path.abspath(sys.argv[2]) if len(sys.argv) > 2 else None
    if subprocess.run([guardrail, "diff", "--help"], capture_output=True).returncode != 0:
        print(f"SKIP: `{guardrail} diff --help` failed: this build has no `guardrail diff`, which the action needs")
        return 0
    if sarif_out:
        os.makedirs(sarif_out, exist_ok=True)
    passed = failed = 0
    with tempfile.TemporaryDirectory(prefix="guardrail-action-") as tmp:
        runner = Runner(guardrail, tmp)
        problems = runner.lint()
        for p in problems:
            print(f"FAIL action.yml: {p}")
        failed += len(problems)
        work, shallow, base, head = make_repos(tmp)
        for name, check in scenarios(runner, work, shallow, base, head, sarif_out):
            try:
                check()
                passed += 1
                print(f"ok   {name}")
            except AssertionError as e:
                failed += 1
                print(f"FAIL {name}: {e}")
    print(f"action: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
