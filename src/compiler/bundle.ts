import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as yaml from 'js-yaml';
import { zip } from '../cfn/zip';
import { BUNDLED_SDK_PACKAGES } from '../aws/sdk-packages';
import { SERVICES } from '../aws/services';
import { QUEUE_CONSUMER_PERMISSIONS } from '../findings/queue';
import { FAILURE_DESTINATION, lambdaLogging, principalPermissions } from '../iam/principals';
import { DOCTOR_MEMBER_PERMISSIONS } from '../install/doctor';
import type { AutomationDocument } from '../model/document';
import { stepHandlersOf } from '../steprunner/steps';
import { bundleSplitSdk, clientsBeside } from './sdk-split';
import { standaloneValidators } from './validators';

/** The AWS Lambda runtime the templates declare and the bundles are built for. */
export const LAMBDA_RUNTIME = 'nodejs22.x';
const ESBUILD_TARGET = 'node22';

/** The Lambda functions hubfix ships: name → entry module (relative to the repository root). */
export const LAMBDAS: Readonly<Record<string, string>> = {
  'step-runner': 'src/steprunner/lambda.ts',
  orchestrator: 'orchestrator/handler.ts',
};

export function repoRoot(): string {
  // works from src/compiler (tsx) and from build/src/compiler (compiled)
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error('cannot find the hubfix package root');
    dir = up;
  }
  return dir;
}

export interface LambdaBundle {
  name: string;
  /** outDir-relative path of the bundle (index.js). */
  file: string;
  bytes: number;
  /** outDir-relative path of the SDK clients beside the bundle (sdk.js), when they are split out. */
  sdk?: string;
  /** The files beside index.js in the zip (SDK code, required when first needed). */
  beside: string[];
  /** outDir-relative path of the zip Lambda takes, and its SHA-256 (hex; what content-addressed keys use). */
  zip: string;
  sha256: string;
}

/**
 * The step runner's table of script steps (document → step → handler id), read from the SSM
 * documents this build wrote into outDir/runbooks: exactly what the Lambda will be asked to run.
 */
export function builtStepsModule(outDir: string): string {
  const dir = path.join(outDir, 'runbooks');
  const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.yaml')) : [];
  if (files.length === 0) throw new Error(`${dir} has no documents: the step-runner bundle takes the documents the build wrote`);
  const documents = files.sort().map((f) => ({
    name: f.slice(0, -'.yaml'.length),
    document: yaml.load(fs.readFileSync(path.join(dir, f), 'utf8')) as AutomationDocument,
  }));
  const table = [...stepHandlersOf(documents)].map(([document, steps]) => [document, [...steps]]);
  return `let steps;\nexports.shippedSteps = () => (steps ??= new Map(JSON.parse(${JSON.stringify(JSON.stringify(table))}).map(([d, s]) => [d, new Map(s)])));\n`;
}

/** Files beside the step runner's index.js that only its finalizer reads, required when first needed. */
const VALIDATORS_FILE = 'validators.js';
const CATALOG_FILE = 'catalog.json';

/**
 * Modules a bundle takes in their built form, so a cold start compiles nothing: the JSON Schema
 * validators as ajv standalone code compiled now, the catalog (orchestrator's decisions, the
 * finalizer's finding check) as the catalog.json and the step runner's script steps as the
 * documents this build wrote into outDir (read before bundling; their absence is a build error).
 * `beside`: the validators and the catalog stay out of index.js, in files beside it required on
 * first use (the step runner: only its finalizer uses them, and most of its steps are not that).
 */
function builtModules(root: string, outDir: string, beside: boolean): import('esbuild').Plugin {
  const catalogFile = path.join(outDir, 'catalog.json');
  const catalogText = () => {
    if (!fs.existsSync(catalogFile)) throw new Error(`${catalogFile} is missing: the Lambda bundles take the catalog the build wrote`);
    return JSON.stringify(JSON.parse(fs.readFileSync(catalogFile, 'utf8')));
  };
  return {
    name: 'hubfix-built-modules',
    setup(build) {
      build.onLoad({ filter: /[\\/]src[\\/]findings[\\/]validators\.ts$/ }, () => ({
        // required when first asked for, not when index.js loads
        contents: beside ? `exports.validators = () => require("./${VALIDATORS_FILE}").validators();` : standaloneValidators(),
        loader: 'js',
        resolveDir: root,
      }));
      build.onLoad({ filter: /[\\/]src[\\/]compiler[\\/]built-catalog\.ts$/ }, () => {
        const text = catalogText();
        const value = beside ? `require("./${CATALOG_FILE}")` : `JSON.parse(${JSON.stringify(text)})`;
        return { contents: `let catalog;\nexports.builtCatalog = () => (catalog ??= ${value});\n`, loader: 'js', resolveDir: root };
      });
      build.onResolve({ filter: /^\.\/(validators\.js|catalog\.json)$/ }, (args) =>
        beside && /[\\/]src[\\/](findings[\\/]validators|compiler[\\/]built-catalog)\.ts$/.test(args.importer)
          ? { path: args.path, external: true }
          : undefined,
      );
      build.onLoad({ filter: /[\\/]src[\\/]steprunner[\\/]shipped\.ts$/ }, () => ({
        contents: builtStepsModule(outDir),
        loader: 'js',
        resolveDir: root,
      }));
    },
  };
}

/**
 * The SDK client packages a Lambda may load: the orchestrator's are those of the services its own
 * role and the member role may call (derived from the code, src/iam/principals.ts), so its bundle
 * carries 3 clients instead of 14 and a cold start parses that much less. Undefined: every client.
 */
export function sdkPackagesOf(name: string): Set<string> | undefined {
  if (name !== 'orchestrator') return undefined;
  const permissions = principalPermissions(['Hubfix-Any']);
  // iam:PassRole authorises a call, the logs actions are the Lambda runtime's own, and `hubfix doctor`'s
  // read-only checks use the member role from the CLI, and the event source mapping reads the events
  // queue and the on-failure destination is written by Lambda: not calls of the orchestrator's code
  const notCalls = new Set([
    'iam:PassRole',
    ...lambdaLogging('x').map((p) => p.action),
    ...DOCTOR_MEMBER_PERMISSIONS.map((p) => p.action),
    ...QUEUE_CONSUMER_PERMISSIONS.map((p) => p.action),
    ...FAILURE_DESTINATION.map((p) => p.action),
  ]);
  const calls = [...permissions.orchestrator, ...permissions.member].filter((p) => !notCalls.has(p.action));
  const prefixes = new Set(calls.map((p) => p.action.split(':')[0]));
  return new Set(
    Object.values(SERVICES)
      .filter((s) => prefixes.has(s.iamPrefix))
      .map((s) => s.sdkPackage),
  );
}

/** A client package the Lambda may not call resolves to a module that says so if ever loaded. */
function onlySdkPackages(allowed: Set<string>): import('esbuild').Plugin {
  return {
    name: 'hubfix-sdk-packages',
    setup(build) {
      build.onResolve({ filter: /^@aws-sdk\/client-[a-z0-9-]+$/ }, (args) =>
        allowed.has(args.path) ? undefined : { path: args.path, namespace: 'hubfix-not-bundled' },
      );
      build.onLoad({ filter: /.*/, namespace: 'hubfix-not-bundled' }, (args) => ({
        contents: `throw new Error(${JSON.stringify(`${args.path} is not in this Lambda bundle: its role may not call that service`)});`,
        loader: 'js',
      }));
    },
  };
}

/** The file beside a Lambda's index.js that holds its SDK clients, when they are split out. */
const SDK_FILE = 'sdk.js';

/**
 * The allowed SDK clients resolve to the sibling sdk.js, required on the first AWS call: a
 * decision that calls no AWS never parses them (they were four fifths of the orchestrator's
 * bundle and of its cold start's CPU time; Lambda offers no V8 code cache).
 */
function sdkBeside(allowed: Set<string>): import('esbuild').Plugin {
  return {
    name: 'hubfix-sdk-beside',
    setup(build) {
      build.onResolve({ filter: /^@aws-sdk\/client-[a-z0-9-]+$/ }, (args) =>
        allowed.has(args.path) ? { path: args.path, namespace: 'hubfix-sdk-beside' } : undefined,
      );
      build.onLoad({ filter: /.*/, namespace: 'hubfix-sdk-beside' }, (args) => ({
        contents: `module.exports = require("./${SDK_FILE}")[${JSON.stringify(args.path)}];`,
        loader: 'js',
      }));
      build.onResolve({ filter: /^\.\/sdk\.js$/, namespace: 'hubfix-sdk-beside' }, (args) => ({ path: args.path, external: true }));
    },
  };
}

/** sdk.js: each allowed client package, loaded when first asked for. */
function sdkModule(packages: Set<string>): string {
  return [...packages]
    .sort()
    .map((p) => `Object.defineProperty(exports, ${JSON.stringify(p)}, { enumerable: true, get: () => require(${JSON.stringify(p)}) });`)
    .join('\n');
}

/**
 * Bundle each Lambda with esbuild into outDir/lambda/<name>/index.js, for the Lambda runtime
 * above, with the AWS SDK v3 inlined (the version the tests ran with), and zip it as
 * outDir/lambda/<name>.zip. Deterministic: no timestamps, no absolute paths in the output.
 */
export async function bundleLambdas(outDir: string, names: readonly string[] = Object.keys(LAMBDAS)): Promise<LambdaBundle[]> {
  const esbuild = await import('esbuild');
  const root = repoRoot();
  const common = {
    bundle: true,
    platform: 'node',
    target: ESBUILD_TARGET,
    format: 'cjs',
    minify: true,
    legalComments: 'none',
    absWorkingDir: root,
    logLevel: 'silent',
  } as const;
  const out: LambdaBundle[] = [];
  for (const name of names) {
    const entry = path.join(root, LAMBDAS[name]);
    if (!fs.existsSync(entry)) continue;
    const file = path.join(outDir, 'lambda', name, 'index.js');
    const dir = path.dirname(file);
    const packages = sdkPackagesOf(name);
    // every client when the Lambda may call any service (the step runner), each in its own file
    const split = packages ? undefined : new Set(BUNDLED_SDK_PACKAGES);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    await esbuild.build({
      ...common,
      entryPoints: [entry],
      outfile: file,
      plugins: [
        builtModules(root, outDir, split !== undefined),
        ...(packages ? [onlySdkPackages(packages), sdkBeside(packages)] : [clientsBeside(split!)]),
      ],
    });
    let beside: string[];
    if (packages) {
      await esbuild.build({
        ...common,
        stdin: { contents: sdkModule(packages), resolveDir: root, loader: 'js' },
        outfile: path.join(dir, SDK_FILE),
      });
      beside = [SDK_FILE];
    } else {
      beside = await bundleSplitSdk(esbuild, { root, dir, packages: [...split!].sort(), common });
      await esbuild.build({
        ...common,
        stdin: { contents: standaloneValidators(), resolveDir: root, loader: 'js' },
        outfile: path.join(dir, VALIDATORS_FILE),
      });
      fs.writeFileSync(
        path.join(dir, CATALOG_FILE),
        JSON.stringify(JSON.parse(fs.readFileSync(path.join(outDir, 'catalog.json'), 'utf8'))),
      );
      beside.push(VALIDATORS_FILE, CATALOG_FILE);
    }
    const archive = zip(['index.js', ...beside].map((f) => ({ name: f, data: fs.readFileSync(path.join(dir, f)) })));
    const zipFile = path.join(outDir, 'lambda', `${name}.zip`);
    fs.writeFileSync(zipFile, archive);
    out.push({
      name,
      file: path.relative(outDir, file),
      bytes: fs.statSync(file).size,
      ...(packages ? { sdk: path.relative(outDir, path.join(dir, SDK_FILE)) } : {}),
      beside,
      zip: path.relative(outDir, zipFile),
      sha256: createHash('sha256').update(archive).digest('hex'),
    });
  }
  return out;
}
