/** The metrics module's front door: the judges, their agreement and the task graders. */
export {
  harmfulEvidence,
  isRefusal,
  judgeHarmful,
  REFUSAL_PHRASES,
  type HarmfulEvidence,
} from './keywordJudge';
export {
  createJudge,
  createJudges,
  disposeJudges,
  keywordModerationPairJudge,
  refusalKeywordsExtendedPairJudge,
  refusalKeywordsPairJudge,
  type JudgedPair,
  type JudgeEnvironment,
  type PairJudge,
  type Verdict,
} from './judges';
export {
  CLASSIFIER_JUDGE,
  JUDGE_INFO,
  JUDGE_NAMES,
  REFUSAL_CLASSIFIER_JUDGE,
  type JudgeName,
} from './judgeNames';
export {
  finalNumber,
  firstAnswerWord,
  gradeArithmetic,
  gradeExample,
  gradeInstruction,
  gradeLabelWord,
} from './grade';
export { containsPhrase, textTokens } from './text';
export { isKeywordRefusal, matchedRefusalKeyword, REFUSAL_KEYWORDS } from './refusalKeywords';
export {
  BENIGN_CONTEXTS,
  COMPLIANCE_AFTER_WEAK,
  EXTENDED_REFUSAL_KEYWORDS,
  extendedRefusalEvidence,
  isExtendedKeywordRefusal,
  matchedExtendedRefusalKeyword,
  QUOTED_SPEECH,
  REFUSAL_ADDITIONS,
  WEAK_VERBATIM_KEYWORDS,
  type RefusalEvidence,
} from './refusalKeywordsExtended';
export { cohensKappa, describeKappa, type Agreement } from './agreement';
