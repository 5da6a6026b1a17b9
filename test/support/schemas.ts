/**
 * Validators built from the upstream schemas in test/fixtures/schemas: the
 * Talos machine-config schema, CRD openAPIV3Schemas and chart values schemas.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";

import Ajv, { type ValidateFunction } from "ajv";
import Ajv2020 from "ajv/dist/2020";
import addFormats from "ajv-formats";
import { parse as parseYaml } from "yaml";

import { deepMerge, isPlainObject, type Plain } from "../../offline/merge";

const schemaDir = join(__dirname, "..", "fixtures", "schemas");

export type Validator = (document: unknown) => string[];

function wrap(validate: ValidateFunction): Validator {
  return (document) =>
    validate(document) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message ?? ""} ${JSON.stringify(e.params)}`);
}

function draft07(): Ajv {
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
  addFormats(ajv);
  return ajv;
}

let talos: Validator | undefined;
/** Any Talos v1.13 config document (v1alpha1 main document or a typed document such as VolumeConfig). */
export function talosDocumentValidator(): Validator {
  if (talos === undefined) {
    const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
    addFormats(ajv);
    talos = wrap(ajv.compile(JSON.parse(readFileSync(join(schemaDir, "talos-config.schema.json"), "utf8")) as object));
  }
  return talos;
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
