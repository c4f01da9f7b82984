import * as yaml from 'js-yaml';

/** YAML as we ship it: stable key order (insertion), no anchors, no line folding. */
export function toYaml(value: unknown): string {
  return yaml.dump(value, { noRefs: true, lineWidth: -1 });
}
