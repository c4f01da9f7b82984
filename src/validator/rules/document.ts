import { DOCUMENT_NAME_PATTERN, MAX_DOCUMENT_BYTES, RESERVED_DOCUMENT_PREFIX } from '../../model/document';
import { problem } from '../problems';
import type { Rule } from './rule';

/** SSM's document-name rules, checked when the name is known (a file's name without extension). */
export const documentNameFollowsSsmRules: Rule = {
  id: 'document-name',
  scope: 'file',
  publishing: true,
  check({ name }) {
    if (name === undefined) return [];
    if (!DOCUMENT_NAME_PATTERN.test(name)) {
      return [problem([], `document name "${name}" must be 3 to 128 characters of letters, digits, _, - and .`)];
    }
    if (RESERVED_DOCUMENT_PREFIX.test(name)) {
      return [problem([], `document name "${name}" must not start with aws, amazon or amzn (in any case): those prefixes are reserved`)];
    }
    return [];
  },
};

/** SSM rejects documents larger than 64 KB. */
export const documentFitsSizeLimit: Rule = {
  id: 'document-size',
  scope: 'file',
  check({ sizeBytes }) {
    return sizeBytes > MAX_DOCUMENT_BYTES
      ? [problem([], `document is ${sizeBytes} bytes; SSM accepts at most ${MAX_DOCUMENT_BYTES} bytes (64 KB)`)]
      : [];
  },
};
