import { JSONPath } from 'jsonpath-plus';
import { EngineInputError } from './errors';

/**
 * JSONPath selectors (step `outputs[].Selector`, `PropertySelector`), compiled once. A plain path
 * (`$.A.B[0]['C']`) becomes a direct property walk; anything else (wildcards, filters, recursive
 * descent, slices, unions) goes to jsonpath-plus and yields the list of matches.
 */

export const NO_MATCH = Symbol('no match');

export interface Selector {
  readonly path: string;
  /** True when the path can match several values (its result is then a list). */
  readonly multi: boolean;
  /** The selected value, or NO_MATCH. */
  select(json: unknown): unknown;
}

type Segment = string | number;

function plainSegments(path: string): Segment[] | undefined {
  if (path === '$') return [];
  if (!path.startsWith('$')) return undefined;
  const segments: Segment[] = [];
  let i = 1;
  while (i < path.length) {
    const c = path[i];
    if (c === '.') {
      const m = /^\.([A-Za-z_$][\w$-]*)/.exec(path.slice(i));
      if (!m) return undefined;
      segments.push(m[1]);
      i += m[0].length;
    } else if (c === '[') {
      const rest = path.slice(i);
      const idx = /^\[(\d+)\]/.exec(rest);
      const quoted = /^\[(?:'([^'\\]*)'|"([^"\\]*)")\]/.exec(rest);
      if (idx) {
        segments.push(Number(idx[1]));
        i += idx[0].length;
      } else if (quoted) {
        segments.push(quoted[1] ?? quoted[2]);
        i += quoted[0].length;
      } else return undefined;
    } else return undefined;
  }
  return segments;
}

export function compileSelector(path: string, where = 'selector'): Selector {
  if (typeof path !== 'string' || !path.startsWith('$'))
    throw new EngineInputError('InvalidDocument', `${where}: ${JSON.stringify(path)} is not a JSONPath starting with $`);
  const segments = plainSegments(path);
  if (segments) {
    return {
      path,
      multi: false,
      select(json: unknown): unknown {
        let cur: unknown = json;
        for (const seg of segments) {
          if (cur === null || typeof cur !== 'object') return NO_MATCH;
          if (typeof seg === 'number') {
            if (!Array.isArray(cur) || seg >= cur.length) return NO_MATCH;
            cur = cur[seg];
          } else {
            if (!Object.hasOwn(cur, seg)) return NO_MATCH;
            cur = (cur as Record<string, unknown>)[seg];
          }
        }
        return cur === undefined ? NO_MATCH : cur;
      },
    };
  }
  return {
    path,
    multi: true,
    select(json: unknown): unknown {
      if (json === null || typeof json !== 'object') return NO_MATCH;
      let found: unknown[];
      try {
        found = JSONPath({ path, json: json as object, wrap: true }) as unknown[];
      } catch (err) {
        throw new EngineInputError('InvalidDocument', `${where}: ${path} is not a valid JSONPath (${(err as Error).message})`);
      }
      return found.length ? found : NO_MATCH;
    },
  };
}
