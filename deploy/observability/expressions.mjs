// Every PromQL expression of the Campus dashboards and rules, for the deploy check that parses them (promtool) and
// the end-to-end test that queries them on the local Prometheus (tests/e2e: ObservabilityTests).
//
//   node deploy/observability/expressions.mjs list             JSON lines: { source, name, kind, expr, queries }
//   node deploy/observability/expressions.mjs rule-file OUT    every dashboard query as a recording rule, so that
//                                                              `promtool check rules OUT` parses each of them
//   node deploy/observability/expressions.mjs lint             the dashboards' conventions (exit 1 on a finding)
//
// kind: panel (a dashboard target), record or alert (a rule of rules/campus.rules.yaml). queries: what must return
// data on a running platform: a panel's expression with the dashboard variables set to "all" and $__rate_interval
// to 1m; a recording rule's recorded series; every series selector of an alert (its condition is normally false,
// so the alert itself returns nothing, but a selector that matches nothing is a typo or a metric that is gone).
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(`${process.env.NODE_MODULES ?? join(here, "../local/node_modules")}/`);
const YAML = require("yaml");

const dashboardsDir = join(here, "dashboards");
const rulesFile = join(here, "rules/campus.rules.yaml");
const variables = { namespace: ".*", campus_host: ".*", queue: ".*", __rate_interval: "1m", __interval: "1m" };
const keywords = new Set(["and", "or", "unless", "bool", "offset", "by", "without", "on", "ignoring", "group_left", "group_right", "inf", "nan"]);

/** The expression with the dashboard variables replaced ($name and ${name}). */
export function substitute(expr) {
  return expr.replace(/\$\{?(\w+)\}?/g, (whole, name) => (name in variables ? variables[name] : whole));
}

/** The series selectors of an expression: metric name plus its {matchers}, functions and keywords left out. */
export function selectors(expr) {
  const stripped = expr
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, " ")
    .replace(/\[[^\]]*\]/g, "");
  const found = new Set();
  const token = /([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\{(?:[^{}"]|"(?:[^"\\]|\\.)*")*\})?(\s*\()?/g;
  for (const m of stripped.matchAll(token)) {
    if (m[3] || keywords.has(m[1]) || /^\d/.test(m[1])) continue;
    // A name right after a digit is a unit of a number (1e3) or a duration: never here after stripping [..].
    if (m.index > 0 && /[\d.]/.test(stripped[m.index - 1])) continue;
    found.add(`${m[1]}${(m[2] ?? "").trim()}`);
  }
  return [...found];
}

export function dashboards() {
  return readdirSync(dashboardsDir).filter((f) => f.endsWith(".json")).sort()
    .map((file) => ({ file: `dashboards/${file}`, json: JSON.parse(readFileSync(join(dashboardsDir, file), "utf8")) }));
}

function panels(dashboard) {
  return (dashboard.panels ?? []).flatMap((p) => (p.type === "row" ? p.panels ?? [] : [p]));
}

export function expressions() {
  const out = [];
  for (const { file, json } of dashboards()) {
    for (const panel of panels(json)) {
      for (const target of panel.targets ?? []) {
        out.push({ source: file, name: `${panel.title} [${target.refId}]`, kind: "panel", expr: target.expr, queries: [substitute(target.expr)] });
      }
    }
  }
  const rules = YAML.parse(readFileSync(rulesFile, "utf8"));
  for (const group of rules.groups) {
    for (const rule of group.rules) {
      if (rule.record) out.push({ source: "rules/campus.rules.yaml", name: rule.record, kind: "record", expr: rule.expr, queries: [rule.record] });
      else out.push({ source: "rules/campus.rules.yaml", name: rule.alert, kind: "alert", expr: rule.expr, queries: selectors(rule.expr) });
    }
  }
  return out;
}

function lint() {
  const problems = [];
  const uids = new Set();
  for (const { file, json } of dashboards()) {
    if (!json.uid || uids.has(json.uid)) problems.push(`${file}: missing or duplicate uid ${json.uid}`);
    uids.add(json.uid);
    if (!/^Campus \/ /.test(json.title ?? "")) problems.push(`${file}: the title does not start with "Campus / "`);
    if (!(json.tags ?? []).includes("campus")) problems.push(`${file}: no "campus" tag (the dashboards link each other by it)`);
    if (!(json.templating?.list ?? []).some((v) => v.type === "datasource" && v.name === "datasource")) problems.push(`${file}: no datasource variable`);
    if (!(json.templating?.list ?? []).some((v) => v.name === "namespace")) problems.push(`${file}: no namespace variable`);
    const ids = new Set();
    for (const panel of panels(json)) {
      if (ids.has(panel.id)) problems.push(`${file}: duplicate panel id ${panel.id}`);
      ids.add(panel.id);
      const where = `${file} "${panel.title}"`;
      if (panel.datasource?.uid !== "${datasource}") problems.push(`${where}: datasource is not \${datasource}`);
      if (!panel.description) problems.push(`${where}: no description (say what the panel shows and which alert reads it)`);
      if (!(panel.targets ?? []).length) problems.push(`${where}: no query`);
      for (const target of panel.targets ?? []) {
        if (!target.expr?.trim()) { problems.push(`${where} [${target.refId}]: empty expression`); continue; }
        // Every series of a panel is filtered by the namespace variable: one Grafana, several environments.
        for (const s of selectors(target.expr)) {
          if (s !== "vector" && !s.includes('namespace=~"$namespace"')) problems.push(`${where} [${target.refId}]: ${s} is not filtered by namespace=~"$namespace"`);
        }
      }
    }
  }
  return problems;
}

const [mode, arg] = process.argv.slice(2);
if (mode === "list") {
  for (const e of expressions()) console.log(JSON.stringify(e));
} else if (mode === "rule-file") {
  const rules = expressions().filter((e) => e.kind === "panel")
    .map((e, i) => ({ record: `campus_dashboard_check:expr_${i}`, expr: e.queries[0] }));
  writeFileSync(arg, JSON.stringify({ groups: [{ name: "campus.dashboard-queries", rules }] }, null, 1));
  console.log(`${rules.length} dashboard queries written to ${arg}`);
} else if (mode === "lint") {
  const problems = lint();
  for (const p of problems) console.error(p);
  if (problems.length) process.exit(1);
  console.log(`${dashboards().length} dashboards, ${expressions().filter((e) => e.kind === "panel").length} queries: conventions hold`);
} else if (mode) {
  console.error(`unknown mode ${mode}: list|rule-file OUT|lint`);
  process.exit(2);
}
