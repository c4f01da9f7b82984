import { apiParametersAreConstrained } from './apiParameters';
import { documentFitsSizeLimit, documentNameFollowsSsmRules } from './document';
import { documentOutputsNameStepOutputs } from './outputs';
import { assumeRoleReferencesResolve, referencesResolve, ssmParametersOnlyInDefaults, updatedVariablesAreDeclared } from './references';
import type { Rule } from './rule';
import { matchesSchema } from './schema';
import { everyStepIsReachable, jumpTargetsExist, stepNamesAreUnique, stepNamesUseAllowedCharacters } from './steps';

export type { Rule } from './rule';

/** Every rule the validator applies, in the order their problems are reported. */
export const RULES: readonly Rule[] = [
  documentNameFollowsSsmRules,
  documentFitsSizeLimit,
  matchesSchema,
  stepNamesUseAllowedCharacters,
  stepNamesAreUnique,
  jumpTargetsExist,
  everyStepIsReachable,
  referencesResolve,
  assumeRoleReferencesResolve,
  ssmParametersOnlyInDefaults,
  updatedVariablesAreDeclared,
  documentOutputsNameStepOutputs,
  apiParametersAreConstrained,
];
