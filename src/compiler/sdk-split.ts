import * as fs from 'node:fs';
import { isBuiltin } from 'node:module';
import * as path from 'node:path';
import type * as esbuild from 'esbuild';

/**
 * The SDK clients of a Lambda split into files beside its index.js, each required when first
 * needed: one file per client package, and one file of the packages two or more clients share
 * (smithy core, credential providers, protocols …). A step-runner invocation then parses the
 * clients it calls (ssm and sts for its own check, and its handler's) and the shared code once,
 * instead of all fourteen clients. Packages are split whole, never file by file, so that no module
 * is ever loaded twice (two copies of a class would break the SDK's instanceof checks).
 */

/** The file beside index.js holding a client package (`@aws-sdk/client-ssm` → `sdk-client-ssm.js`). */
export function clientFile(pkg: string): string {
  return `sdk-${pkg.replace(/^@aws-sdk\//, '')}.js`;
}

export const SHARED_FILE = 'sdk-shared.js';

/** Where Node finds package `name` from directory `from` (node_modules/<name>, walking up). */
function dependencyDir(from: string, name: string): string | undefined {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', name);
    if (fs.existsSync(path.join(candidate, 'package.json'))) return candidate;
    if (path.dirname(dir) === dir) return undefined;
  }
}

/** The directory of the package a file belongs to (innermost node_modules/<name> or node_modules/@scope/<name>). */
function packageDir(file: string): string | undefined {
  const m = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(file.split(path.sep).join('/'));
  return m?.[1];
}

interface SplitOptions {
  root: string;
  dir: string;
  packages: readonly string[];
  /** esbuild options every output shares (platform, target, minify …). */
  common: esbuild.BuildOptions;
}

/** Redirects index.js's client imports to their files beside it. */
export function clientsBeside(packages: ReadonlySet<string>): esbuild.Plugin {
  return {
    name: 'hubfix-sdk-clients-beside',
    setup(build) {
      build.onResolve({ filter: /^@aws-sdk\/client-[a-z0-9-]+$/ }, (args) =>
        packages.has(args.path) ? { path: `./${clientFile(args.path)}`, external: true } : undefined,
      );
    },
  };
}

/** Builds one file per client package and the shared file into `dir`; returns the file names written. */
export async function bundleSplitSdk(build: typeof esbuild, o: SplitOptions): Promise<string[]> {
  const entryPoints = Object.fromEntries(
    o.packages.map((pkg) => [clientFile(pkg).slice(0, -'.js'.length), require.resolve(pkg, { paths: [o.root] })]),
  );
  // which clients reach each package, by the packages' declared dependencies (as Node resolves them)
  const users = new Map<string, Set<string>>();
  for (const pkg of o.packages) {
    const start = dependencyDir(o.root, pkg);
    if (!start) throw new Error(`SDK split: cannot find ${pkg}`);
    const seen = new Set<string>();
    const walk = (dir: string) => {
      const key = packageDir(`${path.relative(o.root, fs.realpathSync(dir))}/`);
      if (!key || seen.has(key)) return;
      seen.add(key);
      users.set(key, (users.get(key) ?? new Set()).add(pkg));
      const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as Record<string, Record<string, string>>;
      for (const dep of Object.keys({ ...manifest.dependencies, ...manifest.optionalDependencies, ...manifest.peerDependencies })) {
        const found = dependencyDir(dir, dep);
        if (found) walk(found);
      }
    };
    walk(start);
  }
  const shared = (file: string) => {
    const dir = packageDir(path.relative(o.root, file));
    return dir !== undefined && (users.get(dir)?.size ?? 0) > 1;
  };
  const keys = new Map<string, string>();
  const toShared: esbuild.Plugin = {
    name: 'hubfix-sdk-shared',
    setup(b) {
      b.onResolve({ filter: /^[^./]/ }, async (args) => {
        if (args.pluginData === 'resolving' || isBuiltin(args.path) || args.namespace !== 'file') return undefined;
        const r = await b.resolve(args.path, {
          kind: args.kind,
          resolveDir: args.resolveDir,
          importer: args.importer,
          pluginData: 'resolving',
        });
        if (r.errors.length > 0 || r.external || !shared(r.path)) return undefined;
        // named from node_modules down: no machine's path in the output
        const key = r.path
          .split(path.sep)
          .join('/')
          .replace(/^.*?\/(node_modules\/)/, '$1');
        keys.set(key, r.path);
        return { path: key, namespace: 'hubfix-sdk-shared' };
      });
      b.onResolve({ filter: /.*/, namespace: 'hubfix-sdk-shared' }, (args) =>
        args.path === `./${SHARED_FILE}` ? { path: args.path, external: true } : undefined,
      );
      b.onLoad({ filter: /.*/, namespace: 'hubfix-sdk-shared' }, (args) => ({
        contents: `module.exports = require("./${SHARED_FILE}")(${JSON.stringify(args.path)});`,
        loader: 'js',
      }));
    },
  };
  const clients = await build.build({ ...o.common, entryPoints, outdir: o.dir, plugins: [toShared], metafile: true });
  const written = o.packages.map(clientFile);
  const entries = [...keys].sort(([a], [b]) => a.localeCompare(b));
  const contents = [
    'const load = {',
    ...entries.map(([key, file]) => `  ${JSON.stringify(key)}: () => require(${JSON.stringify(file)}),`),
    '};',
    'const loaded = new Map();',
    'module.exports = (key) => {',
    '  if (!loaded.has(key)) loaded.set(key, load[key]());',
    '  return loaded.get(key);',
    '};',
  ].join('\n');
  const common = await build.build({
    ...o.common,
    stdin: { contents, resolveDir: o.root, loader: 'js' },
    outfile: path.join(o.dir, SHARED_FILE),
    metafile: true,
  });
  written.push(SHARED_FILE);
  // a package in two files would load twice (two copies of its classes): refuse to ship that
  const holder = new Map<string, string>();
  for (const [output, { inputs }] of [...Object.entries(clients.metafile.outputs), ...Object.entries(common.metafile.outputs)])
    for (const dir of new Set(
      Object.keys(inputs)
        .filter((i) => !i.startsWith('hubfix-sdk-shared:'))
        .map(packageDir),
    )) {
      if (!dir) continue;
      const first = holder.get(dir);
      if (first && first !== output) throw new Error(`SDK split: ${dir} would be in both ${first} and ${output}`);
      holder.set(dir, output);
    }
  return written;
}
