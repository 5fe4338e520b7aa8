// Validate a Teams app manifest (and the localization files it names) OFFLINE against Microsoft's
// official JSON schemas, as bundled by npm @microsoft/app-manifest.
//
//   node tests/js/validate_manifest.mjs path/to/manifest.json [more.json ...]
//
// A file is a Teams manifest or a localization file, told apart by its `$schema` URL, which must be
// https://developer.microsoft.com/[xx-xx/]json-schemas/teams/vN.N/MicrosoftTeams[.Localization].schema.json.
// For a manifest, every file in localizationInfo is validated too (resolved next to the manifest)
// and must use the same schema version. The schema is read from the package's own files and handed
// to the validator explicitly, and fetch is disabled, so a missing schema is an error and never a
// silent download or a silent pass.
//
// Exit codes: 0 all valid, 1 some file invalid, 2 usage or set-up error (schema not bundled, bad JSON).
import { readFileSync, existsSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

const require = createRequire(import.meta.url);

// @microsoft/app-manifest 1.1.2 needs fs-extra without declaring it: package.json adds it.

function fail(code, message) {
  console.error(message);
  process.exit(code);
}

// No network, ever: if anything in the library tries to download a schema, that is an error.
globalThis.fetch = async (url) => {
  throw new Error(`network access attempted (${url}); offline validation only`);
};

let appManifest;
let packageDir;
try {
  packageDir = path.dirname(require.resolve("@microsoft/app-manifest/package.json"));
  appManifest = require("@microsoft/app-manifest");
} catch (error) {
  fail(2, `@microsoft/app-manifest is not installed (run npm ci in the project root): ${error.message}`);
}
const { AppManifestUtils, TeamsManifestConverter } = appManifest;
const schemaRoot = path.join(packageDir, "build", "json-schemas", "teams");
// The validator's own ajv, so a fallback validates exactly as the library would.
const requireFromLibrary = createRequire(path.join(packageDir, "package.json"));
const AjvDraft04 = requireFromLibrary("ajv-draft-04");
const addFormats = requireFromLibrary("ajv-formats");

// Validate with the library's own AppManifestUtils.validateAgainstSchema. Microsoft's localization
// schemas (every version up to 1.30) contain a pattern, `...\b]\.description$`, that is a valid
// ECMAScript regexp only without the `u` flag, and the library always compiles with it; for those,
// validate with the same ajv settings except `unicodeRegExp: false`.
async function schemaErrors(json, schema) {
  try {
    return { errors: await AppManifestUtils.validateAgainstSchema(json, schema), via: "AppManifestUtils" };
  } catch (error) {
    if (!(error instanceof SyntaxError) || !/regular expression/i.test(error.message)) throw error;
  }
  const ajv = new (AjvDraft04.default ?? AjvDraft04)({ allErrors: true, strictTypes: false, unicodeRegExp: false });
  (addFormats.default ?? addFormats)(ajv, ["uri", "email", "regex"]);
  const check = ajv.compile(schema);
  const copy = JSON.parse(JSON.stringify(json));
  const errors = check(copy)
    ? []
    : check.errors.map((e) => `${e.instancePath} ${e.message || ""}. Details: ${e.params ? JSON.stringify(e.params) : ""}`);
  return { errors, via: "ajv-draft-04 without unicode regexps" };
}

const SCHEMA_URL =
  /^https:\/\/developer\.microsoft\.com\/(?:[a-z]{2}(?:-[a-z]{2})?\/)?json-schemas\/teams\/(v\d+\.\d+)\/(MicrosoftTeams(?:\.Localization)?\.schema\.json)$/i;

function readJson(file) {
  let text;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    fail(2, `${file}: cannot read: ${error.message}`);
  }
  if (text.charCodeAt(0) === 0xfeff) {
    fail(1, `${file}: starts with a UTF-8 byte order mark; Teams rejects it`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    fail(2, `${file}: not valid JSON: ${error.message}`);
  }
}

function bundledSchema(file, json) {
  const match = typeof json.$schema === "string" ? json.$schema.match(SCHEMA_URL) : null;
  if (!match) {
    fail(2, `${file}: $schema must be a developer.microsoft.com Teams schema URL, got ${JSON.stringify(json.$schema)}`);
  }
  const [, version, name] = match;
  const schemaFile = path.join(schemaRoot, version, name);
  if (!existsSync(schemaFile)) {
    fail(2, `${file}: schema ${version}/${name} is not bundled in ${packageDir}; cannot validate offline`);
  }
  // Same clean-up the library applies to the published schema text.
  const raw = readFileSync(schemaFile, "utf8").replace(/\\a/g, "\\u0007").replace(/\\v/g, "\\u000b");
  return {
    version,
    kind: name.includes("Localization") ? "localization" : "manifest",
    schemaFile,
    schema: JSON.parse(raw),
  };
}

async function validate(file, expectKind, expectVersion) {
  const json = readJson(file);
  const { version, kind, schemaFile, schema } = bundledSchema(file, json);
  const errors = [];
  if (expectKind && kind !== expectKind) {
    errors.push(`expected a ${expectKind} file, but $schema names a ${kind} schema`);
  }
  if (expectVersion && version !== expectVersion) {
    errors.push(`uses schema ${version}, but its manifest uses ${expectVersion}; they must match`);
  }
  const checked = await schemaErrors(json, schema);
  errors.push(...checked.errors);
  if (kind === "manifest") {
    if (`v${json.manifestVersion}` !== version) {
      errors.push(`manifestVersion ${JSON.stringify(json.manifestVersion)} does not match $schema ${version}`);
    }
    try {
      // The library's typed converter adds a runtime type check on top of the schema.
      TeamsManifestConverter.jsonToManifest(JSON.stringify(json));
    } catch (error) {
      errors.push(`type check: ${String(error.message).slice(0, 300)}`);
    }
  }
  const results = [{ file, kind, version, schemaFile, via: checked.via, errors }];
  if (kind === "manifest" && json.localizationInfo) {
    const info = json.localizationInfo;
    const files = [info.defaultLanguageFile, ...(info.additionalLanguages ?? []).map((l) => l.file)];
    for (const relative of files.filter(Boolean)) {
      const localized = path.resolve(path.dirname(file), relative);
      if (!existsSync(localized)) {
        results[0].errors.push(`localization file ${relative} is missing next to the manifest`);
        continue;
      }
      results.push(...(await validate(localized, "localization", version)));
    }
  }
  return results;
}

const files = process.argv.slice(2);
if (files.length === 0) {
  fail(2, "usage: node tests/js/validate_manifest.mjs MANIFEST_OR_LOCALIZATION.json [...]");
}
let invalid = 0;
for (const file of files) {
  for (const result of await validate(path.resolve(file))) {
    const where = `${result.kind}, schema ${result.version} from ${result.schemaFile}, via ${result.via}`;
    if (result.errors.length === 0) {
      console.log(`OK ${result.file} (${where})`);
    } else {
      invalid += 1;
      console.log(`INVALID ${result.file} (${where})`);
      for (const error of result.errors) {
        console.log(`  ${error}`);
      }
    }
  }
}
process.exit(invalid === 0 ? 0 : 1);
