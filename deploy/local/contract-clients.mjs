// Typed clients from the API contracts, and the contracts' schemas compiled (deploy check group "clients").
//
//   node deploy/local/contract-clients.mjs generate OUT_DIR   one TypeScript module per libs/contracts/<service>.json
//                                                            (openapi-typescript: `paths`, `components`, `operations`)
//   node deploy/local/contract-clients.mjs schemas            every schema of every contract (components.schemas) and
//                                                            every event schema (libs/contracts/events/*.json) compiled
//                                                            by Ajv's JSON Schema 2020-12 class, with the formats
//                                                            asserted; a sample problem validated against the problem
//                                                            schemas of each contract
//
// Prints `ok  NAME` / `FAILED  NAME` with the reason per file; exits 1 when any failed. The type check of the generated
// modules (tsc --strict) is the check group's: deploy/checks/60-clients.sh.
import { readdirSync, readFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import openapiTS, { astToString } from "openapi-typescript";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";

const root = resolve(process.env.CAMPUS_ROOT ?? join(import.meta.dirname, "../.."));
const contracts = join(root, "libs/contracts");
const services = readdirSync(contracts).filter((f) => f.endsWith(".json")).sort();
let failed = 0;

function report(name, error) {
  if (error) {
    failed++;
    console.log(`FAILED  ${name}\n  ${String(error.message ?? error).split("\n").slice(0, 8).join("\n  ")}`);
  } else {
    console.log(`ok  ${name}`);
  }
}

async function generate(out) {
  mkdirSync(out, { recursive: true });
  for (const file of services) {
    try {
      const document = JSON.parse(readFileSync(join(contracts, file), "utf8"));
      // defaultNonNullable off: a member is required where the contract says `required`, not wherever it documents a
      // default (a request member with a default, `remember_me`, is one the client may leave out).
      const ast = await openapiTS(document, { alphabetize: true, silent: true, defaultNonNullable: false });
      writeFileSync(join(out, file.replace(/\.json$/, ".ts")), astToString(ast));
      report(`libs/contracts/${file} -> ${file.replace(/\.json$/, ".ts")}`);
    } catch (error) {
      report(`libs/contracts/${file}`, error);
    }
  }
}

function newAjv() {
  const ajv = new Ajv2020({ strict: true, allErrors: true, validateFormats: true });
  addFormats(ajv);
  // OpenAPI's own numeric formats (OAS 3.1 §4.2): annotations on a typed number, nothing to assert.
  for (const format of ["int32", "int64", "float", "double"]) ajv.addFormat(format, { type: "number", validate: () => true });
  // OpenAPI's keywords inside a Schema Object (OAS 3.1 §4.8.24): no assertion, so not in the 2020-12 vocabulary.
  ajv.addVocabulary(["discriminator", "xml", "externalDocs", "example"]);
  return ajv;
}

function schemas() {
  for (const file of services) {
    const name = `libs/contracts/${file}: components.schemas`;
    try {
      const document = JSON.parse(readFileSync(join(contracts, file), "utf8"));
      // The document's schemas as one 2020-12 schema resource: #/components/schemas/X becomes #/$defs/X.
      const id = `https://contracts.campus.test/${file}`;
      const text = JSON.stringify(document.components?.schemas ?? {}).replaceAll('"#/components/schemas/', '"#/$defs/');
      const ajv = newAjv();
      ajv.addSchema({ $id: id, $defs: JSON.parse(text) });
      const names = Object.keys(document.components?.schemas ?? {});
      for (const schema of names) {
        if (!ajv.getSchema(`${id}#/$defs/${schema}`)) throw new Error(`${schema} did not compile`);
      }
      const problem = ajv.getSchema(`${id}#/$defs/HttpValidationProblemDetails`);
      const sample = {
        type: "https://tools.ietf.org/html/rfc9110#section-15.5.1", title: "One or more validation errors occurred.", status: 400,
        code: "validation_failed", trace_id: "0af7651916cd43dd8448eb211c80319c", errors: { limit: ["Not a valid whole number."] },
      };
      if (problem && !problem(sample)) throw new Error(`a validation problem does not fit: ${ajv.errorsText(problem.errors)}`);
      report(`${name} (${names.length} compiled${problem ? ", a problem validated" : ""})`);
    } catch (error) {
      report(name, error);
    }
  }
  const events = join(contracts, "events");
  const ajv = newAjv();
  for (const file of readdirSync(events).filter((f) => f.endsWith(".json")).sort()) {
    try {
      ajv.compile(JSON.parse(readFileSync(join(events, file), "utf8")));
      report(`libs/contracts/events/${file}`);
    } catch (error) {
      report(`libs/contracts/events/${file}`, error);
    }
  }
}

const [command, argument] = process.argv.slice(2);
if (command === "generate" && argument) await generate(resolve(argument));
else if (command === "schemas") schemas();
else {
  console.error("usage: contract-clients.mjs generate OUT_DIR | schemas");
  process.exit(2);
}
process.exit(failed ? 1 : 0);
