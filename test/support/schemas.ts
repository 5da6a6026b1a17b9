/**
 * Validators built from the upstream schemas in test/fixtures/schemas: the
 * Talos machine-config schema of each minor, CRD openAPIV3Schemas and chart values schemas.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

import Ajv, { type ValidateFunction } from "ajv";
import Ajv2020 from "ajv/dist/2020";
import addFormats from "ajv-formats";
import { parse as parseYaml } from "yaml";

import { talosMinor } from "../../components/lib/talos-support";
import { versions } from "../../components/lib/versions";
import { deepMerge, isPlainObject, type Plain } from "../../offline/merge";

const schemaDir = join(__dirname, "..", "fixtures", "schemas");

export type Validator = (document: unknown) => string[];

function wrap(validate: ValidateFunction): Validator {
  return (document) =>
    validate(document) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message ?? ""} ${JSON.stringify(e.params)}`);
}

/**
 * CRD patterns are Go RE2 expressions; the one RE2 construct the copied CRDs use that JavaScript
 * lacks is the case-insensitive flag group `(?i)`, e.g. `^(?i)(abort|warn)?$` in prometheus-operator's
 * PrometheusRule CRD. It only ever precedes the rest of the pattern there, so it becomes the `i` flag.
 */
const goRegExp = Object.assign(
  (pattern: string, flags: string): RegExp =>
    pattern.includes("(?i)") ? new RegExp(pattern.replaceAll("(?i)", ""), `${flags}i`) : new RegExp(pattern, flags),
  // Only used by ajv's standalone code generation, which these tests do not use.
  { code: "new RegExp" },
);

function draft07(): Ajv {
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false, code: { regExp: goRegExp } });
  addFormats(ajv);
  return ajv;
}

const talosSchemaFile = /^talos-config\.v(\d+\.\d+)\.schema\.json$/;

/** The Talos minors whose upstream config schema is in test/fixtures/schemas, oldest first. */
export function talosSchemaMinors(): string[] {
  return readdirSync(schemaDir)
    .map((file) => talosSchemaFile.exec(file)?.[1])
    .filter((minor): minor is string => minor !== undefined)
    .sort((a, b) => Number(a.split(".")[1]) - Number(b.split(".")[1]));
}

const talosValidators = new Map<string, Validator>();
/**
 * Any config document (v1alpha1 main document or a typed document such as
 * VolumeConfig) as the given Talos minor accepts it; by default the minor of
 * the pinned Talos release.
 */
export function talosDocumentValidator(minor: string = talosMinor(versions.talos) ?? ""): Validator {
  let validator = talosValidators.get(minor);
  if (validator === undefined) {
    const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
    addFormats(ajv);
    const schema = JSON.parse(readFileSync(join(schemaDir, `talos-config.v${minor}.schema.json`), "utf8")) as object;
    validator = wrap(ajv.compile(schema));
    talosValidators.set(minor, validator);
  }
  return validator;
}

interface Crd {
  spec: { names: { kind: string }; versions: { name: string; schema: { openAPIV3Schema: object } }[] };
}

const crdCache = new Map<string, Validator>();
/** The openAPIV3Schema of one served version of a CRD file, e.g. ("fluxinstance.crd.yaml", "v1"). */
export function crdValidator(file: string, version: string): Validator {
  const key = `${file}@${version}`;
  let validator = crdCache.get(key);
  if (validator === undefined) {
    const crd = parseYaml(readFileSync(join(schemaDir, file), "utf8")) as Crd;
    const served = crd.spec.versions.find((v) => v.name === version);
    if (served === undefined) throw new Error(`${file} has no version ${version}`);
    validator = wrap(draft07().compile(served.schema.openAPIV3Schema));
    crdCache.set(key, validator);
  }
  return validator;
}

type Values = Plain;

/**
 * A chart's values.schema.json, e.g. "eso-chart.values.schema.json". Helm
 * validates the user's values merged over the chart's values.yaml, so when
 * the defaults file is given they are merged first.
 */
export function valuesValidator(file: string, defaultsFile?: string): Validator {
  const schema = JSON.parse(readFileSync(join(schemaDir, file), "utf8")) as Values;
  delete schema["$schema"];
  const validate = wrap(draft07().compile(schema));
  const defaults = defaultsFile === undefined ? {} : (parseYaml(readFileSync(join(schemaDir, defaultsFile), "utf8")) as Values);
  return (values) => validate(isPlainObject(values) ? deepMerge(defaults, values) : values);
}
