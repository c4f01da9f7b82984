import * as fs from 'node:fs';
import * as path from 'node:path';
import { toYaml } from '../compiler/yaml';
import type { LambdaBundle } from '../compiler/bundle';
import type { CompiledRunbook } from '../compiler/compile';
import { principalPolicies } from '../iam/principals';
import { ADMIN_TEMPLATE, adminTemplate } from './admin';
import { MEMBER_ACCOUNT_TEMPLATE, MEMBER_REGION_TEMPLATE, memberAccountTemplate, memberRegionTemplate } from './member';
import type { Template } from './template';

export { ADMIN_TEMPLATE } from './admin';
export { MEMBER_ACCOUNT_TEMPLATE, MEMBER_REGION_TEMPLATE } from './member';
export type { Template } from './template';

export const TEMPLATE_FILES = [ADMIN_TEMPLATE, MEMBER_ACCOUNT_TEMPLATE, MEMBER_REGION_TEMPLATE] as const;
export type TemplateFile = (typeof TEMPLATE_FILES)[number];

/** A Lambda zip's content-addressed key (under the CodeKeyPrefix parameter). */
export function zipKey(bundle: Pick<LambdaBundle, 'name' | 'sha256'>): string {
  return `${bundle.name}-${bundle.sha256}.zip`;
}

/** The three templates, from the compiled runbooks, the derived policies and the bundles' hashes. Pure. */
export function buildTemplates(
  runbooks: readonly CompiledRunbook[],
  bundles: ReadonlyArray<Pick<LambdaBundle, 'name' | 'sha256'>>,
): Record<TemplateFile, Template> {
  const key = (name: string) => {
    const b = bundles.find((x) => x.name === name);
    if (!b) throw new Error(`no ${name} bundle to point the templates at`);
    return zipKey(b);
  };
  const policies = principalPolicies(runbooks.map((r) => r.name));
  return {
    [ADMIN_TEMPLATE]: adminTemplate({ orchestratorPolicy: policies.orchestrator, orchestratorZipKey: key('orchestrator') }),
    [MEMBER_ACCOUNT_TEMPLATE]: memberAccountTemplate({
      runbooks,
      memberPolicy: policies.member,
      stepRunnerPolicy: policies['step-runner'],
    }),
    [MEMBER_REGION_TEMPLATE]: memberRegionTemplate({ runbooks, stepRunnerZipKey: key('step-runner') }),
  } as Record<TemplateFile, Template>;
}

export function templateText(t: Template): string {
  return toYaml(t);
}

/** Write the templates under outDir/cfn/; returns the outDir-relative paths. */
export function writeTemplates(outDir: string, templates: Record<TemplateFile, Template>): string[] {
  const dir = path.join(outDir, 'cfn');
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  return TEMPLATE_FILES.map((f) => {
    fs.writeFileSync(path.join(dir, f), templateText(templates[f]));
    return path.join('cfn', f);
  });
}
